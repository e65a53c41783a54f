/** The conformance suite against the memory backend. */
import { describeConformance } from './suite';
import { memoryTarget } from './targets';

await describeConformance(memoryTarget);
