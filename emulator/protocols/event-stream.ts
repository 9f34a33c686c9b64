import type { Readable } from 'node:stream';
import type { NormalizedSchema } from '@smithy/core/schema';
import { EventStreamMarshaller, EventStreamSerde } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { JsonShapeDeserializer, JsonShapeSerializer } from '@aws-sdk/core/protocols';

/** The media type of an event-stream response body (the SDK reads the body as one whatever the header says). */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** The JSON codec settings of the protocol whose output carries the stream (rest-json's). */
type JsonSettings = ConstructorParameters<typeof JsonShapeSerializer>[0];

/** Whether an output's payload member is an event stream (a union with the `streaming` trait). */
export function isEventStream(member: NormalizedSchema): boolean {
  return member.isUnionSchema() && member.isStreaming();
}

/**
 * An output's event stream as the response body, framed by the SDK's own event-stream codec (the serializer
 * the clients use for input streams, run in the other direction): each event `{ Member: { … } }` of
 * `events` becomes one message (`:event-type` Member, `:message-type` event, an `eventPayload` member's bytes
 * as the body or else the member as JSON), written as soon as the iterable yields it.
 */
export function encodeJsonEventStream(settings: JsonSettings, outputSchema: NormalizedSchema, events: AsyncIterable<Record<string, unknown>>): Promise<Readable> {
  const serde = new EventStreamSerde({
    marshaller: new EventStreamMarshaller({ utf8Encoder: toUtf8, utf8Decoder: fromUtf8 }),
    serializer: new JsonShapeSerializer(settings),
    deserializer: new JsonShapeDeserializer(settings),
    serdeContext: undefined,
    defaultContentType: 'application/json',
  } as unknown as ConstructorParameters<typeof EventStreamSerde>[0]);
  return serde.serializeEventStream({ eventStream: events, requestSchema: outputSchema } as Parameters<EventStreamSerde['serializeEventStream']>[0]) as Promise<Readable>;
}
