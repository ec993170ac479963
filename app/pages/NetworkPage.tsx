// Network: a live graph of the mesh from bot.network() and 'network' events.
import { useEffect } from 'react';
import { useAppStore } from '../store/peer-store';
import { bot } from '../runtime';
import { Card, ErrorNote, PageTitle, Pill, useAsync } from '../components/ui';
import { layoutMesh, meshCentre, meshNotice } from '../lib/mesh-layout';
import { short } from '../lib/format';
import type { NetworkView } from '../../worker/api';

const refreshMs = 5000;

function MeshGraph({ view }: { view: NetworkView }) {
  const placed = layoutMesh(view.neighbours);
  const summary = `This peer and ${view.neighbours.length} neighbour(s): ${view.neighbours.filter((n) => n.state === 'open').length} open link(s).`;
  return (
    <figure className="mesh">
      <svg viewBox="0 0 100 100" role="img" aria-label={summary} data-testid="mesh">
        {placed.map(({ neighbour, x, y }) => (
          <g key={neighbour.did}>
            <line
              x1={meshCentre}
              y1={meshCentre}
              x2={x}
              y2={y}
              className={`link ${neighbour.state}`}
            />
            {neighbour.rttMs !== null && (
              <text x={(meshCentre + x) / 2} y={(meshCentre + y) / 2 - 1} className="rtt">
                {Math.round(neighbour.rttMs)} ms
              </text>
            )}
          </g>
        ))}
        <circle cx={meshCentre} cy={meshCentre} r={6} className="node self" />
        <text x={meshCentre} y={meshCentre + 10} className="label">
          this peer
        </text>
        {placed.map(({ neighbour, x, y }) => (
          <g key={neighbour.did}>
            {neighbour.validator ? (
              <rect x={x - 4.5} y={y - 4.5} width={9} height={9} className="node validator" />
            ) : (
              <circle cx={x} cy={y} r={4.5} className="node" />
            )}
            <text x={x} y={y + 8.5} className="label">
              {short(neighbour.did.replace('did:key:', ''), 4)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="muted small-text">
        Square: validator · circle: member or observer · solid line: open link · dashed: connecting
        · faint: closed.
      </figcaption>
    </figure>
  );
}

export default function NetworkPage() {
  const live = useAppStore((s) => s.network);
  const running = useAppStore((s) => s.running);
  const initial = useAsync(() => bot().network(), [running]);
  useEffect(() => {
    if (initial.data) useAppStore.setState({ network: initial.data });
  }, [initial.data]);
  useEffect(() => {
    const timer = setInterval(
      () =>
        void bot()
          .network()
          .then(
            (network) => useAppStore.setState({ network }),
            () => undefined,
          ),
      refreshMs,
    );
    return () => clearInterval(timer);
  }, []);
  const view = live ?? initial.data;
  const notice = view ? meshNotice(view) : null;
  return (
    <>
      <PageTitle intro="Who this peer is linked to, how the links were made, and how fast they answer.">
        Network
      </PageTitle>
      {!running && <p className="note">The peer is stopped; start it on the Peer page.</p>}
      <ErrorNote error={initial.error} what="The network view" />
      {notice && (
        <p role="status" className="banner warn" data-testid="network-notice">
          {notice}
        </p>
      )}
      {view && (
        <div className="grid">
          <Card title="Mesh" id="mesh-title">
            <MeshGraph view={view} />
            <p data-testid="webrtc">
              WebRTC:{' '}
              {view.webrtc === 'ok' ? (
                <Pill tone="ok">available</Pill>
              ) : view.webrtc === 'blocked' ? (
                <Pill tone="error">blocked</Pill>
              ) : (
                <Pill tone="muted">not checked yet</Pill>
              )}
            </p>
          </Card>
          <Card title="Neighbours" id="neighbours-title">
            {view.neighbours.length === 0 ? (
              <p className="muted">No neighbours yet.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Peer</th>
                      <th scope="col">Role</th>
                      <th scope="col">Link</th>
                      <th scope="col">Round trip</th>
                      <th scope="col">Via</th>
                      <th scope="col">Height</th>
                    </tr>
                  </thead>
                  <tbody>
                    {view.neighbours.map((n) => (
                      <tr key={n.did}>
                        <td>
                          <code title={n.did}>{short(n.did, 10)}</code>
                        </td>
                        <td>
                          {n.validator ? 'validator' : 'member'}
                          {n.ring ? (
                            <span title="A ring neighbour: a link kept so that the mesh stays in one piece, on top of the most links setting">
                              {' '}
                              · ring
                            </span>
                          ) : null}
                        </td>
                        <td>
                          <Pill
                            tone={
                              n.state === 'open'
                                ? 'ok'
                                : n.state === 'connecting'
                                  ? 'warn'
                                  : 'muted'
                            }
                          >
                            {n.state}
                          </Pill>
                        </td>
                        <td>{n.rttMs === null ? '—' : `${Math.round(n.rttMs)} ms`}</td>
                        <td>{n.via}</td>
                        <td>{n.height ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title="Signaling" id="relays-title">
            <p>
              Room:{' '}
              {view.room ? <code>{short(view.room, 8)}</code> : <span className="muted">none</span>}
            </p>
            {view.relays.length === 0 ? (
              <p className="muted">
                No relay is set: tabs of this browser find each other directly. Add relays in
                Settings.
              </p>
            ) : (
              <ul className="plain-list" data-testid="relays">
                {view.relays.map((r) => (
                  <li key={r.url}>
                    <code>{r.url}</code>{' '}
                    <Pill
                      tone={r.state === 'open' ? 'ok' : r.state === 'failed' ? 'error' : 'muted'}
                    >
                      {r.state}
                    </Pill>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
