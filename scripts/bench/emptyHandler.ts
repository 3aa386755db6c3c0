/**
 * The cold-start scenario's yardstick: a Lambda handler that does nothing, bundled with the deployed functions'
 * esbuild options. Its first invocation in a fresh process is what the runtime itself costs; the functions' first
 * invocations are compared with it.
 */
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 200, body: '{}' });
