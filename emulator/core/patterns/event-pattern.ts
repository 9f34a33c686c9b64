import { AwsError } from '../errors';
import { compilePattern, parsePatternJson, PatternError } from './compile';

/**
 * EventBridge event pattern validation (PutRule / TestEventPattern). AWS answers
 * `InvalidEventPatternException` "Event pattern is not valid. Reason: <event-ruler reason>"; AWS also
 * appends Jackson's source location (" at [Source: …; line: 1, column: N]"), which is left out here.
 * Numbers must lie in event-ruler's range, -5.0E9 to 5.0E9.
 */
export function validateEventPattern(patternJson: string): void {
  try {
    compilePattern(parsePatternJson(patternJson), 'eventbridge');
  } catch (e) {
    if (e instanceof PatternError) {
      throw new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${e.message}`, 400);
    }
    throw e;
  }
}
