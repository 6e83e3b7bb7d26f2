/**
 * The check-layer package, `import ... from 'check-layer'`: what a layer file needs (CustomLayer,
 * tf) and the programmatic API (checkLayer) with the types of its options and its result (the
 * JSON report's content). The vitest helper is `check-layer/vitest`.
 */
export * from '../harness/index.ts';
export { checkLayer, type CheckLayerOptions, type LayerFile } from './api.ts';
export type { ApiOptionValues, ReportFormat } from '../harness/options.ts';
export type { BackendChoice } from '../harness/backend-names.ts';
export type {
  CheckResult,
  CheckStatus,
  EnvironmentInfo,
  FailureLocation,
  LayerInfo,
  LearnableInfo,
  RunResult,
  RunSummary,
  SuiteId,
} from '../harness/result.ts';
export type { Evidence } from '../harness/evidence/index.ts';
