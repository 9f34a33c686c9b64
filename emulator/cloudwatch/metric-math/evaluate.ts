import { FUNCTIONS, UNSUPPORTED, type Arg, type FunctionContext } from './functions';
import { MathError, type BinaryOp, type Node } from './parser';
import { array, combine, type Series, type Value } from './series';

/** What an expression can see of its request: the other queries, by Id. */
export interface MathEnv extends FunctionContext {
  /** The value of the query with this Id; throws a MathError when there is none. */
  ref(id: string): Value;
  /** The series of the request's metric queries (not expressions) whose Id contains `filter`, in request order. */
  metrics(filter?: string): Series[];
  /** The period in seconds of a metric query; undefined for an expression or an unknown Id. */
  periodOf(id: string): number | undefined;
  /** SEARCH's series: every stored metric its query finds, with the statistic per period. */
  search(query: string, stat: string, periodMs: number): Series[];
}

const bool = (b: boolean) => (b ? 1 : 0);

const OPERATIONS: Record<BinaryOp, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  // x/0 is infinite or NaN: the point is dropped, as CloudWatch drops a division by zero.
  '/': (x, y) => x / y,
  '^': (x, y) => x ** y,
  '==': (x, y) => bool(x === y),
  '!=': (x, y) => bool(x !== y),
  '<': (x, y) => bool(x < y),
  '<=': (x, y) => bool(x <= y),
  '>': (x, y) => bool(x > y),
  '>=': (x, y) => bool(x >= y),
  AND: (x, y) => bool(x !== 0 && y !== 0),
  OR: (x, y) => bool(x !== 0 || y !== 0),
};

export function evaluateNode(node: Node, env: MathEnv): Value {
  switch (node.type) {
    case 'number':
      return { kind: 'scalar', value: node.value };
    case 'ref':
      return env.ref(node.id);
    case 'string':
      throw new MathError(`A string ("${node.value}") is only valid as the argument of METRICS.`);
    case 'keyword':
      throw new MathError(`${node.name} is only valid as the second argument of FILL.`);
    case 'array':
      return array(
        node.items.flatMap((item) => {
          const v = evaluateNode(item, env);
          if (v.kind === 'scalar') throw new MathError('An array may hold only time series, not a scalar.');
          return v.kind === 'series' ? [v.series] : v.list;
        }),
      );
    case 'unary': {
      const f = node.op === '-' ? (x: number) => -x : (x: number) => bool(x === 0);
      return combine(evaluateNode(node.arg, env), { kind: 'scalar', value: 0 }, env, (x) => f(x), node.op);
    }
    case 'binary':
      return combine(evaluateNode(node.left, env), evaluateNode(node.right, env), env, OPERATIONS[node.op], `The operator ${node.op}`);
    case 'call':
      return call(node.name, node.args, env);
  }
}

function call(name: string, args: Node[], env: MathEnv): Value {
  if (name === 'METRICS') {
    if (args.length > 1 || (args[0] && args[0].type !== 'string')) throw new MathError('METRICS takes no argument or one string.');
    return array(env.metrics(args[0]?.value));
  }
  if (name === 'PERIOD') {
    const arg = args[0];
    const period = args.length === 1 && arg?.type === 'ref' ? env.periodOf(arg.id) : undefined;
    if (period === undefined) throw new MathError('PERIOD takes the Id of a metric, not an expression or a value.');
    return { kind: 'scalar', value: period };
  }
  if (name === 'SEARCH') return search(args, env);
  if (UNSUPPORTED.includes(name)) throw new MathError(`The function ${name} is not supported by this emulator.`);
  const fn = FUNCTIONS[name];
  if (!fn) throw new MathError(`Unknown function ${name}. Functions are written in uppercase.`);
  const values: Arg[] = args.map((a) => (a.type === 'keyword' ? { kind: 'keyword', name: a.name } : a.type === 'string' ? { kind: 'string', value: a.value } : evaluateNode(a, env)));
  return fn(values, env, name);
}

/** SEARCH('query', 'Statistic'[, period]): the period defaults to the query's own. */
function search(args: Node[], env: MathEnv): Value {
  const [query, stat, period] = args;
  if (args.length < 2 || args.length > 3 || query?.type !== 'string' || stat?.type !== 'string') {
    throw new MathError("SEARCH takes a search query and a statistic, both in single quotes, and optionally a period: SEARCH('{Namespace} term', 'Average', 300).");
  }
  let periodMs = env.periodMs;
  if (period) {
    const seconds = evaluateNode(period, env);
    if (seconds.kind !== 'scalar' || !Number.isInteger(seconds.value) || seconds.value <= 0) throw new MathError("SEARCH's period must be a positive whole number of seconds.");
    periodMs = seconds.value * 1000;
  }
  return array(env.search(query.value, stat.value, periodMs));
}
