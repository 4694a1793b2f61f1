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
  getApi(api, path, (req) => answerQuery(req.query, collection));
  getApi(api, `${path}/:uuid`, (req: HttpRequest) => {
    const params = new URLSearchParams(req.query);
    params.append("q", `uuid=${req.params.uuid}`);
    return answerQuery(params, collection);
  });
}

export function answerQuery<D>(params: URLSearchParams, collection: QueryableCollection<D>): HttpResponse {
  const parsed = parseQuery(params, collection.schema);
  if (!parsed.ok) return { status: 400, text: parsed.message };
  const q = parsed.query;
  let result: QueryResult<Queryable>;
  try {
    result = runQuery(q, { all: () => collection.all(), byUuid: (u) => collection.byUuid(u) }, (d) => collection.view(d));
  } catch (e) {
    if (e instanceof QueryBudgetError) return { status: 400, text: e.message };
    throw e;
  }
  if (q.count) return { status: 200, json: { total: result.total } };
  const inventories = result.items.map((item) => toWire(project(item, q.fields)));
  return { status: 200, json: q.replyWithCount ? { inventories, total: result.total } : { inventories } };
}
