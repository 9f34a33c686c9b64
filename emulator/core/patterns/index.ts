export { matchesPattern, type MatchMode, type MatchOptions } from './match';
export {
  validateFilterPolicy,
  filterPolicyCombinations,
  type FilterPolicyScope,
  type FilterPolicyValidationOptions,
} from './filter-policy';
export { validateEventPattern } from './event-pattern';
export { toFilterableAttributes, type SnsMessageAttribute } from './sns-attributes';
