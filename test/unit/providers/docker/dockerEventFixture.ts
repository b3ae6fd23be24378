/** A `die` event as Docker 20+ sends it on /events, trimmed. */
export const dockerDie = JSON.stringify({
  status: 'die',
  id: 'c0ffee',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'c0ffee', Attributes: { 'code-swarm.instance': 'id-1', 'code-swarm.name': 'web', exitCode: '137', name: 'code-swarm-web' } },
  time: 1764590000,
});
