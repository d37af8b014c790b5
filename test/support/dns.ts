/** A DNS server on loopback (dns2, UDP) that answers TXT questions from a table the test changes as it goes. */
import dns2 from 'dns2';

export interface TestDns {
  /** `host:port`, as `DNS_SERVERS` takes it. */
  server: string;
  /** The TXT values at `name` (none: the name has no record). */
  setTxt(name: string, values: string[]): void;
  /** Questions asked so far, by name. */
  asked: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const records = new Map<string, string[]>();
  const asked = new Map<string, number>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = dns2.Packet.createResponseFromRequest(request);
      for (const question of request.questions) {
        const name = question.name.toLowerCase();
        asked.set(name, (asked.get(name) ?? 0) + 1);
        for (const value of records.get(name) ?? []) {
          // dns2's types want a decoded Resource; a plain record is what its encoder reads.
          const answer = {
            name: question.name,
            type: dns2.Packet.TYPE.TXT,
            class: dns2.Packet.CLASS.IN,
            ttl: 1,
            data: value,
          };
          response.answers.push(answer as unknown as (typeof response.answers)[number]);
        }
      }
      // A reply the resolver never reads (it gave up) is no failure of the test's.
      send(response).catch(() => {});
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return {
    server: `127.0.0.1:${addresses.udp!.port}`,
    setTxt: (name, values) => records.set(name.toLowerCase(), values),
    asked,
    close: () => server.close(),
  };
}
