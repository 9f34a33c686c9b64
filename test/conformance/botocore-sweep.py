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
import re
from urllib.parse import unquote
from xml.etree import ElementTree
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


RAW = [None]
MODEL = [None]
IGNORED_ELEMENTS = {'RequestId', 'requestId', 'HostId', 'RequestID'}
TIMESTAMP = re.compile(r'^\d{4}-\d\d-\d\dT|^\w{3}, \d\d \w{3} \d{4}')


def keep_raw(http_response, parsed, model, **_):
    """Keeps the raw body of a successful, non-streaming answer, to compare with what botocore parsed."""
    out = model.output_shape
    streaming = out is not None and any(getattr(m, 'serialization', {}).get('eventstream') or m.type_name == 'blob' and out.serialization.get('payload') == name
                                        for name, m in out.members.items())
    MODEL[0] = model
    RAW[0] = None if streaming or http_response.status_code >= 300 else http_response.content


def raw_strings(body):
    """(element or key, text) of an XML or JSON answer's text values (not numbers, booleans, timestamps, request ids)."""
    values = set()
    text = body.decode('utf-8', 'replace').strip()
    if text.startswith('<'):
        for el in ElementTree.fromstring(body).iter():
            tag = el.tag.split('}')[-1]
            if len(el) == 0 and el.text and tag not in IGNORED_ELEMENTS:
                values.add((tag, el.text))
    elif text.startswith('{') or text.startswith('['):
        def walk(v, key):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, k)
            elif isinstance(v, list):
                for x in v:
                    walk(x, key)
            elif isinstance(v, str):
                values.add((key, v))
        walk(json.loads(text), None)
    return {(k, v) for k, v in values if v.strip() and not TIMESTAMP.match(v) and v not in ('true', 'false') and not re.fullmatch(r'-?[\d.eE+]+', v)}


def model_names(shape, out, depth=0):
    """Every member and wire name in an output shape: what this botocore's model knows it should read."""
    if shape is None or depth > 12:
        return out
    if shape.type_name == 'structure':
        for name, m in shape.members.items():
            out.add(name)
            for key in ('name', 'locationName'):
                if m.serialization.get(key):
                    out.add(m.serialization[key])
            model_names(m, out, depth + 1)
    elif shape.type_name == 'list':
        out.add(shape.member.serialization.get('name', 'member'))
        model_names(shape.member, out, depth + 1)
    elif shape.type_name == 'map':
        out.update({'key', 'value', 'entry', shape.key.serialization.get('name', ''), shape.value.serialization.get('name', '')})
        model_names(shape.value, out, depth + 1)
    return out


def is_json_document(v):
    """A policy document, URL-encoded or not: botocore's IAM handlers decode it into a dict."""
    try:
        return isinstance(json.loads(unquote(v)), (dict, list))
    except ValueError:
        return False


def parsed_strings(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            if k != 'ResponseMetadata':
                out.add(str(k))
                parsed_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            parsed_strings(v, out)
    elif isinstance(value, bytes):
        out.add(base64.b64encode(value).decode())
        out.add(value.decode('utf-8', 'replace'))
    elif value is not None and not isinstance(value, datetime.datetime):
        out.add(value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value))
    return out


def lost(result):
    """Text values of the raw answer that appear nowhere in what botocore returned (a list read as empty, a misnamed member)."""
    if not RAW[0]:
        return []
    try:
        raw = raw_strings(RAW[0])
    except Exception:  # noqa: BLE001 -- not XML or JSON (CBOR, a blob): not compared
        return []
    parsed = parsed_strings(result, set())
    blob = json.dumps(result, default=str)
    # Only what this botocore's model names: an older model does not know newer members (BucketArn, LoggingConfig).
    known = model_names(MODEL[0].output_shape, set())
    return sorted({v for k, v in raw if (k is None or k in known) and v not in parsed and json.dumps(v)[1:-1] not in blob and not is_json_document(v)})


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
            clients[name].meta.events.register('after-call', keep_raw)
        client = clients[name]
        if operation not in client.meta.service_model.operation_names:
            record['outcome'] = 'unknown-operation'
            continue
        method = getattr(client, botocore.xform_name(operation))
        SENT[0] = False
        RAW[0] = None
        try:
            result = method(**decode(case['params']))
            drain(result)
            missing = lost(result)
            record['outcome'] = 'lossy' if missing else 'ok'
            if missing:
                record['detail'] = 'not in the parsed answer: ' + json.dumps(missing[:5])[:300]
                record['params'] = case['params']
        except ClientError as e:
            record['outcome'] = 'client-error'
            record['detail'] = e.response.get('Error', {}).get('Code', '')
        except ParamValidationError as e:
            record['outcome'] = 'invalid'
        except (EndpointConnectionError, ReadTimeoutError, ConnectTimeoutError, BotoConnectionError, HTTPClientError) as e:
            record['outcome'] = 'connection'
            record['detail'] = f'{type(e).__name__}: {e}'[:300]
            record['params'] = case['params']
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
