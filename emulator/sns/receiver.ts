import type { DeliveryReceiver, Origin } from '../core/delivery';
import type { ServiceDeps } from '../core/service';
import { checkServicePublish } from './policy';
import type { Publisher } from './publish';
import type { Topic } from './state';
import type { SnsStore } from './store';
import { invalidParameter, topicNotFound } from './validation';

/**
 * SNS as a destination on the delivery bus (`arn:aws:sns:…`): S3 event notifications, Lambda DLQs and
 * destinations (`kind: 'sns'`) and EventBridge targets (`kind: 'event'`) publish through it. `check` refuses a missing topic, a FIFO topic for S3 (which AWS does not
 * allow) and, in strict mode, a service principal the topic policy does not let publish.
 */
export function createReceiver(deps: ServiceDeps, store: SnsStore, publisher: Publisher): DeliveryReceiver {
  function check(topicArn: string, origin: Origin): Topic {
    const topic = store.findTopic(topicArn);
    if (!topic) throw topicNotFound();
    if (topic.fifo && origin.principal === 's3.amazonaws.com') {
      throw invalidParameter('TopicArn Reason: Amazon S3 event notifications cannot be published to FIFO topics');
    }
    if (deps.options.strict) checkServicePublish(store.topicAttributes(topic).Policy!, topicArn, origin);
    return topic;
  }

  return {
    check(topicArn, origin) {
      check(topicArn, origin);
    },
    async receive(topicArn, message, origin) {
      const topic = check(topicArn, origin);
      // An EventBridge rule targeting a topic publishes the event JSON as the message.
      if (message.kind === 'event') {
        publisher.publish(topic, { message: JSON.stringify(message.event) }, topic.endpoint, undefined, origin.correlation);
        return;
      }
      if (message.kind !== 'sns') throw invalidParameter(`Message Reason: SNS cannot accept a ${message.kind} delivery`);
      publisher.publish(
        topic,
        {
          message: message.message,
          subject: message.subject,
          messageStructure: message.messageStructure,
          attributes: message.messageAttributes,
          messageGroupId: message.messageGroupId,
          messageDeduplicationId: message.messageDeduplicationId,
        },
        topic.endpoint,
        undefined,
        origin.correlation,
      );
    },
  };
}
