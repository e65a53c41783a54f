/** The conformance suite against the etcd backend on a real single-member etcd (the oracle). */
import { describeConformance } from './suite';
import { etcdTarget } from './targets';

await describeConformance(etcdTarget);
