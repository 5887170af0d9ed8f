import './setup';
import '@tensorflow/tfjs-core/dist/tests';
