import net from 'node:net';

/**
 * A TCP proxy in front of a server (the API server, PostgreSQL), for fault tests: `cut()` closes every
 * connection and refuses new ones, as a server that went down does, `restore()` accepts them again on the
 * same port.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: {
  host: string;
  port: number;
}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer(client => {
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<number>(resolve =>
      server.listen(port, '127.0.0.1', () =>
        resolve((server.address() as net.AddressInfo).port),
      ),
    );
  const port = await listen(0);
  const cut = async () => {
    await new Promise<void>(resolve => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  return {
    port,
    cut,
    restore: async () => {
      await listen(port);
    },
    close: cut,
  };
}
