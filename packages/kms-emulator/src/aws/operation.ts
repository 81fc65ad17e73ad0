import type { OperationScope } from './scope.js';
import type { Input } from './validate.js';

/** One KMS API operation: validates its input, then acts through the scope. Synchronous and atomic. */
export type OperationHandler = (scope: OperationScope, input: Input) => Record<string, unknown>;
export type OperationTable = Readonly<Record<string, OperationHandler>>;
