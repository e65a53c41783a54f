/** The conformance suite against the embedded (LMDB) store, through its etcd gRPC server and the etcd backend. */
import { describeConformance } from './suite';
import { embeddedGrpcTarget } from './targets';

await describeConformance(embeddedGrpcTarget);
