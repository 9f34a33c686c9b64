/** How CloudWatch writes regions and times in alarm notifications and state reasons. */
const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
};

/** The region's long name as notifications show it ("US East (N. Virginia)"), or its code when not known here. */
export const regionName = (region: string): string => REGION_NAMES[region] ?? region;

/** `2021-11-10T02:45:55.640+0000`, as composite alarm notifications write times. */
export const awsStateTime = (d: Date): string => d.toISOString().replace('Z', '+0000');

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const two = (n: number) => String(n).padStart(2, '0');

/** `Wednesday 10 November, 2021 02:45:55 UTC`, as a composite's state reason names when a child transitioned. */
export const stateReasonTime = (d: Date): string =>
  `${DAYS[d.getUTCDay()]} ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
