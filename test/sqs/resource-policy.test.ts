import { evaluatePolicy, globMatch, isAllowed } from '../../emulator/core/resource-policy';

/** The resource-policy evaluator used by strict mode (queue policies for S3/SNS deliveries). */

const queueArn = 'arn:aws:sqs:us-east-1:000000000000:q';
const req = (over: Partial<Parameters<typeof evaluatePolicy>[1]> = {}) => ({
  principal: 's3.amazonaws.com',
  action: 'sqs:SendMessage',
  resource: queueArn,
  context: { 'aws:SourceArn': 'arn:aws:s3:::bucket', 'aws:SourceAccount': '000000000000' },
  ...over,
});
const allow = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: queueArn, ...statement }] });

describe('resource policies', () => {
  it('allows a matching service principal and action (case-insensitive action, wildcards)', () => {
    expect(isAllowed(allow({ Principal: { Service: 's3.amazonaws.com' }, Action: 'SQS:SendMessage' }), req())).toBe(true);
    expect(isAllowed(allow({ Principal: { Service: ['sns.amazonaws.com', 's3.amazonaws.com'] }, Action: 'sqs:*' }), req())).toBe(true);
    expect(isAllowed(allow({ Principal: '*', Action: '*' }), req())).toBe(true);
    expect(isAllowed(allow({ Principal: { AWS: '*' }, Action: ['sqs:Send*'] }), req())).toBe(true);
  });

  it('denies implicitly when nothing matches, and explicitly over an Allow', () => {
    expect(evaluatePolicy(undefined, req())).toBe('ImplicitDeny');
    expect(evaluatePolicy('not json', req())).toBe('ImplicitDeny');
    expect(evaluatePolicy(allow({ Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage' }), req())).toBe('ImplicitDeny');
    expect(evaluatePolicy(allow({ Principal: '*', Action: 'sqs:ReceiveMessage' }), req())).toBe('ImplicitDeny');
    expect(evaluatePolicy(allow({ Principal: '*', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:other' }), req())).toBe('ImplicitDeny');
    const both = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': '000000000000' } } },
      ],
    });
    expect(evaluatePolicy(both, req())).toBe('Deny');
  });

  it('evaluates source conditions the way delivery policies write them', () => {
    const cond = (Condition: Record<string, unknown>) => allow({ Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Condition });
    expect(isAllowed(cond({ ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::bucket' } }), req())).toBe(true);
    expect(isAllowed(cond({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*:*:buck*' } }), req())).toBe(true);
    expect(isAllowed(cond({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*:*:other*' } }), req())).toBe(false);
    expect(isAllowed(cond({ StringLike: { 'aws:SourceArn': 'arn:aws:s3:::b?cket' } }), req())).toBe(true);
    expect(isAllowed(cond({ StringEquals: { 'AWS:SOURCEACCOUNT': ['111111111111', '000000000000'] } }), req())).toBe(true);
    expect(isAllowed(cond({ StringNotEquals: { 'aws:SourceAccount': '000000000000' } }), req())).toBe(false);
    expect(isAllowed(cond({ StringEquals: { 'aws:SourceVpc': 'vpc-1' } }), req())).toBe(false);
    expect(isAllowed(cond({ StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } }), req())).toBe(true);
    expect(isAllowed(cond({ Null: { 'aws:SourceArn': 'false' } }), req())).toBe(true);
    expect(isAllowed(cond({ SomeNewOperator: { 'aws:SourceArn': 'x' } }), req())).toBe(false);
  });

  it('matches account principals for AWS callers', () => {
    const p = allow({ Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sqs:SendMessage' });
    expect(isAllowed(p, req({ principal: '111122223333' }))).toBe(true);
    expect(isAllowed(p, req({ principal: 'arn:aws:iam::111122223333:role/r' }))).toBe(true);
    expect(isAllowed(p, req({ principal: '999999999999' }))).toBe(false);
  });

  it('globs with * and ? only', () => {
    expect(globMatch('a*c', 'abbbc')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('A*', 'abc', true)).toBe(true);
  });

  it('answers at once for many wildcards against a long value that almost matches (a RegExp backtracked for seconds)', () => {
    // As a RegExp, ^.*a.*a.*a.*b$ against 400 a's takes ~16 s of CPU, the emulator's event loop blocked all along.
    const started = performance.now();
    expect(globMatch('*a*a*a*b', 'a'.repeat(400))).toBe(false);
    expect(globMatch('*A?A*a*B', `${'a'.repeat(400)}b`, true)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('ignoring case, ? is still one character where lower-casing lengthens it', () => {
    // 'İ'.toLowerCase() is two UTF-16 units ('i' and a combining dot): lower-casing whole strings moved ? off it.
    expect(globMatch('x?', 'xİ', true)).toBe(true);
    expect(globMatch('İ?', 'İX', true)).toBe(true);
    expect(globMatch('x??', 'xİ', true)).toBe(false);
  });
});
