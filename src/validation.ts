/** Input parsing with zod (the rule lives in the domain, src/domain/validation.ts, so channels share it). */
export { describeIssues, parseInput } from './domain/validation';
