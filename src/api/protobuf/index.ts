/** Kubernetes protobuf request bodies, decoded into the JSON objects the API handles. */
export { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF, PROTOBUF_KINDS } from './kinds.js';
