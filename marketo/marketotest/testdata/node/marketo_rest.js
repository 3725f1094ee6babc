// Drives node-marketo-rest against a sandbox for TestNodeMarketoRest.
//
//   node marketo_rest.js NODE_MODULES_DIR < spec.json
//
// spec: {endpoint, identity, clientId, clientSecret,
//        leads: [{email, firstName}], find: [email, ...], listName}
// Syncs the leads, finds the static list listName (list.find), adds the
// synced leads to it (list.addLeadsToList), reads its members
// (list.getLeads), looks the emails up (lead.find) and describes the lead
// fields. Prints {sync, lists, add, members, find, describe} (the
// library's answers, untouched) as one JSON line, or {error} and exits 1.
// The checks live in the Go test, which can compare the answers with the
// sandbox's own store.
'use strict';

var path = require('path');
var Marketo = require(path.join(process.argv[2], 'node-marketo-rest'));

function readStdin() {
  return new Promise(function (resolve, reject) {
    var chunks = [];
    process.stdin.on('data', function (c) { chunks.push(c); });
    process.stdin.on('end', function () { resolve(Buffer.concat(chunks).toString('utf8')); });
    process.stdin.on('error', reject);
  });
}

function describeError(err) {
  if (err instanceof Error) {
    // The library's HttpError keeps Marketo's errors array and the HTTP
    // status in code; both say more than the message alone.
    return { message: err.message, code: err.code, errors: err.errors, stack: err.stack };
  }
  return err;
}

readStdin().then(function (text) {
  var spec = JSON.parse(text);
  var marketo = new Marketo({
    endpoint: spec.endpoint,
    identity: spec.identity,
    clientId: spec.clientId,
    clientSecret: spec.clientSecret,
    // A retried call would hide a wrong first answer behind a right second
    // one. 0 would mean the library's default of 5, so 1 is the fewest;
    // the Go test checks the sandbox saw no faults and no extra calls.
    retry: { maxRetries: 1, initialDelay: 10, maxDelay: 20 }
  });
  var out = {};
  return marketo.lead.createOrUpdate(spec.leads, { lookupField: 'email' })
    .then(function (data) {
      out.sync = data;
      // The library sends this as a POST with _method=GET in the form
      // body, not in the URL.
      return marketo.list.find({ name: [spec.listName] });
    })
    .then(function (data) {
      out.lists = data;
      if (!data.result || data.result.length !== 1) {
        throw new Error('list.find did not find exactly one list named ' + spec.listName);
      }
      var ids = out.sync.result.map(function (r) { return r.id; });
      return marketo.list.addLeadsToList(data.result[0].id, ids);
    })
    .then(function (data) {
      out.add = data;
      // A POST to the older path list/{id}/leads.json, _method=GET and
      // listId in the form body; no fields, so the defaults come back.
      return marketo.list.getLeads(out.lists.result[0].id);
    })
    .then(function (data) {
      out.members = data;
      // id is not asked for: Marketo returns it anyway, as the library's
      // recording of a live instance (fixtures/…/find-by-multiple-ids-and-
      // retrieve-a-subset-of-fields) shows, and so must the sandbox.
      return marketo.lead.find('email', spec.find, { fields: ['email', 'firstName', 'createdAt'] });
    })
    .then(function (data) {
      out.find = data;
      return marketo.lead.describe();
    })
    .then(function (data) {
      out.describe = data;
      process.stdout.write(JSON.stringify(out) + '\n');
    });
}).catch(function (err) {
  process.stdout.write(JSON.stringify({ error: describeError(err) }) + '\n');
  process.exitCode = 1;
});
