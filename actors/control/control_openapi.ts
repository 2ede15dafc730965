/**
 * The control endpoint's OpenAPI 3.1 document, generated from the same route table the app is
 * built from (control_app.ts): each route's path parameters, its query and body schemas (zod's
 * own JSON Schema), the scope it needs and the answers it can give. Served at `/openapi.json`.
 * @module
 */
import { z } from "zod";
import type { ControlRoute } from "./control_route.ts";

const ERRORS: Record<string, string> = {
  "400": "a bad query or body field, named",
  "401": "no valid bearer token",
  "403": "the token's scope is too small",
  "404": "no such route, agent or order",
  "429": "past the token's rate (Retry-After)",
};

/** The document for `routes`. */
export function openApiDocument(
  routes: readonly ControlRoute[],
  info: { readonly title?: string; readonly version?: string } = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const parameters: unknown[] = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (r.query !== undefined) {
      const q = z.toJSONSchema(r.query, { io: "input", unrepresentable: "any" }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({
          name,
          in: "query",
          required: q.required?.includes(name) ?? false,
          schema,
        });
      }
    }
    const ok = r.method === "GET" ? "200" : "202";
    const responses: Record<string, unknown> = { [ok]: { description: "OK" } };
    for (const [code, description] of Object.entries(ERRORS)) {
      if (r.scope === "open" && code !== "404") continue;
      responses[code] = { description };
    }
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${
        path.replace(/[{}]/g, "").split("/").map((w) => w.charAt(0).toUpperCase() + w.slice(1))
          .join("").replace(/[^A-Za-z0-9]/g, "")
      }`,
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(r.body === undefined ? {} : {
        requestBody: {
          required: false,
          content: {
            "application/json": {
              schema: z.toJSONSchema(r.body, { io: "input", unrepresentable: "any" }),
            },
          },
        },
      }),
      security: r.scope === "open" ? [] : [{ bearer: [r.scope] }],
      "x-scope": r.scope,
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title ?? "Agora control endpoint", version: info.version ?? "1" },
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "a token of AGORA_CONTROL_TOKENS; scopes read < trade < admin",
        },
      },
    },
    paths,
  };
}
