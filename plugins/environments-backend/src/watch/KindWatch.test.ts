import net from 'node:net';
import { kubeConfigWithoutCredentials } from '../__testUtils__/kubectlProxy';
import { KindWatch } from './KindWatch';

/** An API server that accepts connections and never answers, not even with headers. */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer(socket => sockets.add(socket));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      sockets.forEach(s => s.destroy());
      server.close();
    },
  };
}

describe('KindWatch', () => {
  it('stops while the API server has not answered', async () => {
    const server = await silentServer();
    const watch = new KindWatch({
      kubeConfig: kubeConfigWithoutCredentials(server.url),
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'default',
    });
    const synced = watch.start();
    await new Promise(resolve => setTimeout(resolve, 200));

    const stopped = watch.stop().then(() => 'stopped');
    const outcome = await Promise.race([
      stopped,
      new Promise(resolve => setTimeout(() => resolve('still waiting'), 5000)),
    ]);
    expect(outcome).toBe('stopped');
    await expect(synced).rejects.toThrow('watch of Pod stopped');
    server.close();
  });
});
