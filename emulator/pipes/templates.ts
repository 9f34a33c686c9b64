import { readPath, renderTemplate } from '../events/json-path';
import { jsonOrText } from '../lambda/records';

/** The pipe's reserved template variables (`<aws.pipes.pipe-name>` …). */
export interface PipeVariables {
  pipeArn: string;
  pipeName: string;
  sourceArn: string;
  enrichmentArn?: string;
  targetArn: string;
  /** Epoch milliseconds (the template shows it as ISO 8601). */
  ingestionTime: number;
}

/**
 * An event as paths and filters read it: an SQS record's `body` that holds JSON is parsed ("implicit body data
 * parsing"), so `<$.body.orderId>` and a filter on `body.orderId` reach into it.
 */
export function parsedBody(event: unknown): unknown {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return event;
  const body = (event as { body?: unknown }).body;
  if (typeof body !== 'string') return event;
  const parsed = jsonOrText(body);
  return parsed !== null && typeof parsed === 'object' ? { ...(event as object), body: parsed } : event;
}

const PLACEHOLDER = /<(\$[^<>\s]*|aws\.pipes\.[A-Za-z.-]+)>/g;

/**
 * Renders a Pipes InputTemplate for one event: `<$.path>` reads the event (JSON bodies parsed), the reserved
 * `aws.pipes.*` names give the pipe's own data. As for EventBridge rules, a placeholder inside a JSON string
 * gets the value's text, elsewhere its JSON: the placeholders are renamed and the events service's renderer
 * (which knows string context) does the rest.
 */
export function renderPipeTemplate(template: string, event: unknown, vars: PipeVariables): string {
  const subject = parsedBody(event);
  const values: Record<string, unknown> = {};
  let n = 0;
  const renamed = template.replace(PLACEHOLDER, (_all, name: string) => {
    const key = `__pipes${n++}`;
    values[key] = valueOf(name, event, subject, vars);
    return `<${key}>`;
  });
  return renderTemplate(renamed, values);
}

function valueOf(name: string, event: unknown, subject: unknown, vars: PipeVariables): unknown {
  switch (name) {
    case 'aws.pipes.pipe-arn':
      return vars.pipeArn;
    case 'aws.pipes.pipe-name':
      return vars.pipeName;
    case 'aws.pipes.source-arn':
      return vars.sourceArn;
    case 'aws.pipes.enrichment-arn':
      return vars.enrichmentArn ?? '';
    case 'aws.pipes.target-arn':
      return vars.targetArn;
    case 'aws.pipes.event.ingestion-time':
      return new Date(vars.ingestionTime).toISOString();
    case 'aws.pipes.event':
      return event;
    case 'aws.pipes.event.json':
      return subject;
  }
  if (!name.startsWith('$')) return undefined;
  try {
    return readPath(subject, name);
  } catch {
    return undefined;
  }
}

/**
 * A target parameter that may be a JSON path into the event (`$.attributes.MessageGroupId`), as Pipes allows
 * for every target parameter; anything else is taken literally.
 */
export function dynamicValue(value: string | undefined, event: unknown): string | undefined {
  if (value === undefined || !value.startsWith('$.')) return value;
  let found: unknown;
  try {
    found = readPath(parsedBody(event), value);
  } catch {
    return undefined;
  }
  if (found === undefined || found === null) return undefined;
  return typeof found === 'string' ? found : JSON.stringify(found);
}
