/** The built-in families; each file registers its models when loaded (models/index.ts loads this). */
import './resnet';
import './mobilenet_v1';
import './mobilenet_v2';
import './shufflenet_v1';
import './shufflenet_v2';
import './dresnet';
