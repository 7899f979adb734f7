export default async function globalTeardown(): Promise<void> {
  await globalThis.__ORDERMESH_KAFKA__?.stop();
  await globalThis.__ORDERMESH_PG__?.stop();
}
