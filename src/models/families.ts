/** The built-in families; each file registers its models when loaded. */
import './resnet';
import './mobilenet_v1';
import './mobilenet_v2';
import './shufflenet_v1';
import './shufflenet_v2';
import './dresnet';
