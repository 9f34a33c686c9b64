"""The Python runtime loop, as Lambda's own runtime (awslambdaric) does it: import the handler once (init),
then forever GET /invocation/next -> call handler(event, context) -> POST /response or /error.

Started by the emulator as `python3 -u bootstrap.py <markerToken> <memoryMB>`. Standard library only.
"""
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API_PREFIX = "/2018-06-01"
THIS_FILE = os.path.abspath(__file__)


def limit_address_space(memory_mb):
    """A generous cap (4x the configured memory + 2 GB) stops a runaway function from eating the host.
    Address space is not resident memory, so an exact cap at the configured size would break normal code."""
    if memory_mb <= 0:
        return
    try:
        import resource

        limit = (memory_mb * 4 + 2048) * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass  # not available on this platform: run without a cap


def peak_rss_kb():
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss // 1024 if sys.platform == "darwin" else rss  # macOS reports bytes, Linux kB
    except Exception:
        return 0


class RuntimeApi:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        all_headers = {"X-Emulator-Max-Rss-Kb": str(peak_rss_kb())}
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                # No timeout: /next blocks for as long as there is no work.
                self.conn = http.client.HTTPConnection(self.host, self.port)
            try:
                self.conn.request(method, API_PREFIX + path, body=body, headers=all_headers)
                res = self.conn.getresponse()
                return res.status, res.headers, res.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def next(self):
        return self.call("GET", "/runtime/invocation/next")

    def post_result(self, request_id, body):
        self.call("POST", "/runtime/invocation/%s/response" % request_id, body, {"Content-Type": "application/json"})

    def post_error(self, request_id, error):
        self.call(
            "POST",
            "/runtime/invocation/%s/error" % request_id,
            json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )

    def post_init_error(self, error):
        self.call(
            "POST",
            "/runtime/init/error",
            json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )


# ---------- Logging: Lambda's text format, or JSON (LoggingConfig) ----------

current_request_id = None

# Set by Lambda for a function's LoggingConfig (or by the function itself). Python has no TRACE: it is DEBUG.
JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
LOG_LEVEL = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper().replace("TRACE", "DEBUG")


def write_event(text):
    """One log event: newlines become \\r, as Lambda's runtime writes them (the emulator turns them back)."""
    sys.stdout.write(text.replace("\n", "\r") + "\n")
    sys.stdout.flush()


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id or ""
        return True


def utc_millis(created):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + ".%03dZ" % (int(created * 1000) % 1000)


class LambdaFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs


# LogRecord attributes that are not the caller's `extra` fields (a JSON entry carries those as its own keys).
RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id",
}


class JsonFormatter(logging.Formatter):
    """A record as one JSON object, with the field names of Lambda's Python runtime: level names rounded down to
    DEBUG, INFO, WARNING, ERROR or CRITICAL; the exception's type, message, traceback and where it was logged
    when there is one; `extra` fields as keys of their own; fields without a value left out."""

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        entry = {
            "timestamp": utc_millis(record.created),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        for key, value in vars(record).items():
            if key not in RECORD_FIELDS and key not in entry:
                entry[key] = value
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


class LambdaHandler(logging.Handler):
    def emit(self, record):
        try:
            write_event(self.format(record))
        except Exception:
            self.handleError(record)


def setup_logging():
    handler = LambdaHandler()
    if JSON_LOGS:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(LambdaFormatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s"))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    if LOG_LEVEL in logging._nameToLevel:
        root.setLevel(LOG_LEVEL)
    root.addHandler(handler)


def write_markers(token, request_id):
    """Tells the emulator that everything this invocation printed has been written (see log-capture.ts)."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    marker = ("\x1f%s:%s\n" % (token, request_id)).encode("utf-8")
    for fd in (1, 2):
        try:
            os.write(fd, marker)
        except OSError:
            pass


# ---------- Errors, shaped as Lambda's Python runtime shapes them ----------


class FaultError(Exception):
    def __init__(self, error_type, message, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


def user_stack(tb):
    frames = [f for f in traceback.extract_tb(tb) if os.path.abspath(f.filename) != THIS_FILE]
    return traceback.format_list(frames)


def make_error(message, error_type, stack, request_id=""):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def error_from_exception(exc, request_id=""):
    if isinstance(exc, FaultError):
        return make_error(exc.message, exc.error_type, exc.stack, request_id)
    return make_error(str(exc), type(exc).__name__, user_stack(exc.__traceback__), request_id)


def log_error(error):
    if JSON_LOGS:
        # As Lambda's Python runtime: the error document with a timestamp (to the second) and the level.
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        write_event(json.dumps(dict({"timestamp": stamp, "level": "ERROR"}, **error)))
        return
    lines = ["[ERROR] %s: %s" % (error["errorType"], error["errorMessage"])]
    if error.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            lines.extend(element.rstrip("\n").splitlines())
    write_event("\n".join(lines))


# ---------- Loading the handler ----------


def load_handler(handler_string):
    try:
        modname, fname = handler_string.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler_string, e))
    if not modname or not fname:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s'" % handler_string)
    if modname.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % modname)
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), trace)
    handler = getattr(module, fname, None)
    if not callable(handler):
        raise FaultError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    return handler


# ---------- Running one invocation ----------


class Client:
    def __init__(self, data):
        self.installation_id = data.get("installation_id")
        self.app_title = data.get("app_title")
        self.app_version_name = data.get("app_version_name")
        self.app_version_code = data.get("app_version_code")
        self.app_package_name = data.get("app_package_name")


class ClientContext:
    def __init__(self, data):
        self.client = Client(data["client"]) if isinstance(data.get("client"), dict) else None
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    def __init__(self, request_id, headers):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.identity = None
        self.client_context = None
        raw = headers.get("Lambda-Runtime-Client-Context")
        if raw:
            try:
                self.client_context = ClientContext(json.loads(raw))
            except (ValueError, TypeError):
                pass
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(round(time.time() * 1000)), 0)

    def log(self, message):
        sys.stdout.write(str(message))


def to_json(value):
    def default(o):
        if isinstance(o, decimal.Decimal):
            return float(o)
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    return json.dumps(value, default=default)


def invoke_once(api, token, handler):
    global current_request_id
    status, headers, body = api.next()
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    current_request_id = request_id
    text = body.decode("utf-8")
    try:
        event = json.loads(text) if text else {}
    except ValueError:
        event = text
    context = LambdaContext(request_id, headers)
    error = None
    try:
        result = handler(event, context)
        try:
            response = to_json(result).encode("utf-8")
        except (TypeError, ValueError) as e:
            error = make_error("Unable to marshal response: %s" % e, "Runtime.MarshalError", [], request_id)
    except Exception as e:
        error = error_from_exception(e, request_id)
    if error is not None:
        log_error(error)
    write_markers(token, request_id)
    if error is None:
        api.post_result(request_id, response)
    else:
        api.post_error(request_id, error)


def main():
    token = sys.argv[1] if len(sys.argv) > 1 else "none"
    limit_address_space(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    # Python put this file's folder first on sys.path; Lambda puts the task root there.
    sys.path[0] = task_root
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        error = error_from_exception(e)
        log_error(error)
        api.post_init_error(error)
        sys.exit(1)
    while True:
        invoke_once(api, token, handler)


if __name__ == "__main__":
    main()
