"""
Sends every case of a sweep (JSON on stdin, written by botocore-sweep.ts) through boto3 to the emulator, and
reports what botocore did with each answer, as JSON on stdout.

A modeled error (ClientError) or an input botocore refuses (ParamValidationError, an operation or member this
botocore does not know) is fine; anything else raised after the request went out (KeyError, ResponseParserError,
TypeError, ValueError from a timestamp, ...) is a finding: an answer botocore cannot read.

Input:  {"endpoint": "http://127.0.0.1:PORT", "cases": [{"service", "operation", "params"}]}
        (timestamps as {"$ts": iso}, blobs as {"$b64": base64})
Output: {"boto3": version, "botocore": version, "results": [{"service", "operation", "outcome", "detail"?}]}
        outcome: ok | client-error | invalid | unknown-operation | connection | finding
"""
import base64
import datetime
import json
import sys
import traceback

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import (ClientError, ConnectionError as BotoConnectionError, EndpointConnectionError, HTTPClientError,
                                 ParamValidationError, ReadTimeoutError, ConnectTimeoutError)
from botocore.eventstream import EventStream
from botocore.response import StreamingBody

# The emulator's provider names that botocore names otherwise.
BOTO_NAMES = {'monitoring': 'cloudwatch'}
# Answers that stay open by design.
SKIP = {('logs', 'StartLiveTail')}


SENT = [False]


def mark_sent(**_):
    SENT[0] = True


def decode(value):
    if isinstance(value, dict):
        if set(value) == {'$ts'}:
            try:
                return datetime.datetime.fromisoformat(value['$ts'].replace('Z', '+00:00'))
            except ValueError:
                return value['$ts']
        if set(value) == {'$b64'}:
            return base64.b64decode(value['$b64'])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def drain(result):
    """Reads streamed members, so that what botocore parses lazily is parsed too."""
    for key, value in list(result.items()):
        if isinstance(value, StreamingBody):
            value.read()
        elif isinstance(value, EventStream):
            for _ in value:
                pass


def main():
    spec = json.load(sys.stdin)
    endpoint = spec['endpoint']
    session = boto3.session.Session(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
    config = Config(retries={'max_attempts': 1, 'mode': 'standard'}, connect_timeout=3, read_timeout=15,
                    s3={'addressing_style': 'path'}, parameter_validation=True)
    clients = {}
    results = []
    for case in spec['cases']:
        service, operation = case['service'], case['operation']
        record = {'service': service, 'operation': operation}
        results.append(record)
        if (service, operation) in SKIP:
            record['outcome'] = 'skipped'
            continue
        name = BOTO_NAMES.get(service, service)
        if name not in clients:
            clients[name] = session.client(name, endpoint_url=endpoint, config=config)
            clients[name].meta.events.register('before-send', mark_sent)
        client = clients[name]
        if operation not in client.meta.service_model.operation_names:
            record['outcome'] = 'unknown-operation'
            continue
        method = getattr(client, botocore.xform_name(operation))
        SENT[0] = False
        try:
            drain(method(**decode(case['params'])))
            record['outcome'] = 'ok'
        except ClientError as e:
            record['outcome'] = 'client-error'
            record['detail'] = e.response.get('Error', {}).get('Code', '')
        except ParamValidationError as e:
            record['outcome'] = 'invalid'
        except (EndpointConnectionError, ReadTimeoutError, ConnectTimeoutError, BotoConnectionError, HTTPClientError) as e:
            record['outcome'] = 'connection'
            record['detail'] = f'{type(e).__name__}: {e}'[:300]
        except Exception as e:  # noqa: BLE001 -- every other exception is what the sweep looks for
            # Raised before anything was sent: botocore refused the input (a host label, a checksum, ...).
            record['outcome'] = 'finding' if SENT[0] else 'not-sent'
            tb = traceback.extract_tb(e.__traceback__)
            where = next((f'{f.filename.split("/botocore/")[-1]}:{f.lineno} {f.name}' for f in reversed(tb) if '/botocore/' in f.filename), '')
            record['detail'] = f'{type(e).__name__}: {e}'[:300] + (f' (at {where})' if where else '')
            record['params'] = case['params']
    json.dump({'boto3': boto3.__version__, 'botocore': botocore.__version__, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
