// The operator's container as config/manager/deployment.yaml ships it (hack/container.ts): the
// memory tests run with its Node.js flags and hold it to its memory limit.
export { CONTAINER_NODE_OPTIONS, MEMORY_LIMIT_MIB } from '../../../hack/container.js';
