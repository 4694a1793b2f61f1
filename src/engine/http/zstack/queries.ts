import type { HttpRequest, HttpResponse } from "../router.js";
import { getApi, type Api } from "./api.js";
import { parseQuery, type QuerySchema } from "./query.js";
import { QueryBudgetError, runQuery, type Queryable, type QueryResult } from "./query-eval.js";
import { project, toWire } from "./wire.js";

export interface QueryableCollection<D> {
  schema: QuerySchema;
  all(): Iterable<D>;
  byUuid(uuid: string): D | undefined;
  view(doc: D): Queryable;
}

/**
 * Registers a ZStack query API: `GET <path>` with the full query language and `GET <path>/{uuid}`, which is the
 * same query with `uuid=` added and so also answers `inventories` (an empty array when nothing matches).
 */
export function queryApi<D>(api: Api, path: string, collection: QueryableCollection<D>): void {
  const tags = api.services.tags;
  getApi(api, path, (req) => answerQuery(req.query, collection, tags));
  getApi(api, `${path}/:uuid`, (req: HttpRequest) => {
    const params = new URLSearchParams(req.query);
    params.append("q", `uuid=${req.params.uuid}`);
    return answerQuery(params, collection, tags);
  });
}

/** Where the tag pseudo-fields get their values; none when omitted. */
export interface TagSource {
  systemTagsOf(uuid: string): string[];
  userTagsOf(uuid: string): string[];
}

/**
 * Answers a query as RestServer's `handleQueryApi` does: `inventories` (plus `total` on `replyWithCount`) and
 * a `schema` map from each inventory's path to the server class it is, which ZStack's Java SDK reads to build
 * subclasses (ImageStore backup storages, KVM hosts) and skips for classes it does not map.
 */
export function answerQuery<D>(params: URLSearchParams, collection: QueryableCollection<D>, tags?: TagSource): HttpResponse {
  const parsed = parseQuery(params, collection.schema);
  if (!parsed.ok) return { status: 400, text: parsed.message };
  const q = parsed.query;
  const view = (d: D): Queryable => {
    const v = collection.view(d);
    const uuid = typeof v["uuid"] === "string" ? v["uuid"] : "";
    return { ...v, __systemTag__: tags?.systemTagsOf(uuid) ?? [], __userTag__: tags?.userTagsOf(uuid) ?? [] };
  };
  let result: QueryResult<Queryable>;
  try {
    result = runQuery(q, { all: () => collection.all(), byUuid: (u) => collection.byUuid(u) }, view);
  } catch (e) {
    if (e instanceof QueryBudgetError) return { status: 400, text: e.message };
    throw e;
  }
  if (q.count) return { status: 200, json: { total: result.total } };
  const inventories = result.items.map(({ __systemTag__: _s, __userTag__: _u, ...item }) => toWire(project(item, q.fields)));
  const cls = serverClass(collection.schema.name);
  // Sent only when it names something, so replies of the CDP queries keep exactly the seed's shape.
  const schema = cls && inventories.length > 0 ? { schema: Object.fromEntries(inventories.map((_, i) => [`inventories[${i}]`, cls])) } : {};
  return { status: 200, json: q.replyWithCount ? { inventories, total: result.total, ...schema } : { inventories, ...schema } };
}

/** ZStack's server-side classes of the inventories the engine serves, where their package is known. */
const SERVER_CLASSES: Readonly<Record<string, string>> = {
  ZoneInventory: "org.zstack.header.zone.ZoneInventory",
  ClusterInventory: "org.zstack.header.cluster.ClusterInventory",
  HostInventory: "org.zstack.kvm.KVMHostInventory",
  PrimaryStorageInventory: "org.zstack.header.storage.primary.PrimaryStorageInventory",
  InstanceOfferingInventory: "org.zstack.header.configuration.InstanceOfferingInventory",
  L3NetworkInventory: "org.zstack.header.network.l3.L3NetworkInventory",
  BackupStorageInventory: "org.zstack.header.storage.backup.BackupStorageInventory",
  ImageStoreBackupStorageInventory: "org.zstack.storage.backup.imagestore.ImageStoreBackupStorageInventory",
  VolumeInventory: "org.zstack.header.volume.VolumeInventory",
  VmInstanceInventory: "org.zstack.header.vm.VmInstanceInventory",
};

function serverClass(name: string): string | undefined {
  return SERVER_CLASSES[name];
}
