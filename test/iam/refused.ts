/** The error an IAM/STS call was refused with (name, message, HTTP status); fails if the call succeeded. */
export async function refused(send: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  const err = await send.then(
    () => undefined,
    (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => e,
  );
  if (!err) throw new Error('expected the request to be refused');
  return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
}
