/** A filter pattern CloudWatch Logs would refuse; providers answer it as InvalidParameterException. */
export class FilterPatternError extends Error {}
