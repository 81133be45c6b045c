// Preloaded with `node --require` into servers that listen on every interface by
// default (the TypeScript "everything" server calls `app.listen(PORT)`): forces
// every TCP listen onto 127.0.0.1, so the interop run never opens a port to the
// network. Patching `net.Server.prototype.listen` catches express, http and raw
// net servers alike.
'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    // listen({port, host, ...}, cb): keep the options, replace the host.
    if (first.path === undefined) {
      args[0] = { ...first, host: '127.0.0.1' };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb]): drop a given host, put ours in.
    const rest = args.slice(1);
    if (typeof rest[0] === 'string') rest.shift();
    args = [first, '127.0.0.1', ...rest];
  }
  return listen.apply(this, args);
};
