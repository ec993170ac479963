// The checks of openapi.test.ts and its parts (openapi-routes-*.ts): every answer of the Node
// peer's HTTP API validated against the OpenAPI 3.1 document it serves, in a 2020-12 validator;
// each validated route is counted, so the test can require that every documented route was
// called. For tests only.
import { expect } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { openApiDocument } from './openapi';
import { call, type Reply } from './testing';

type Doc = typeof openApiDocument;

const local = (value: unknown) =>
  JSON.parse(
    JSON.stringify(value)
      .replaceAll('#/components/schemas/', 'bot-openapi#/$defs/')
      .replaceAll('"#/components/requestBodies/', '"bot-openapi-bodies#/$defs/'),
  );

/** The checker's calls, and what the first part of the test found, for the other parts. */
export interface RouteCheck {
  hit: OpenApiCheck['hit'];
  documentedBody: OpenApiCheck['documentedBody'];
  expectDocumented: OpenApiCheck['expectDocumented'];
  validator: OpenApiCheck['validator'];
  base: string;
  status: any;
  me: any;
  put: Reply;
  device: { did: string; seed: Uint8Array };
  /** The information server's documents: path -> text (traceability). */
  documents: Map<string, string>;
  /** The information server's base URL. */
  info: string;
}

export class OpenApiCheck {
  readonly ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
  /** `METHOD path` (as the document names it) of every answer validated so far. */
  readonly covered = new Set<string>();
  private doc: Doc | null = null;
  private readonly compiled = new Map<unknown, ValidateFunction>();

  constructor(private readonly base: () => string) {}

  /** Take the served document: its schemas and request bodies go into the validator. */
  load(doc: Doc): void {
    this.doc = doc;
    this.ajv.addSchema({ $id: 'bot-openapi', $defs: local(doc.components.schemas) });
    this.ajv.addSchema({
      $id: 'bot-openapi-bodies',
      $defs: Object.fromEntries(
        Object.entries(doc.components.requestBodies).map(([k, v]) => [
          k,
          local((v as any).content['application/json'].schema),
        ]),
      ),
    });
  }

  validator = (schema: unknown): ValidateFunction => {
    let v = this.compiled.get(schema);
    if (!v) {
      v = this.ajv.compile(local(schema));
      this.compiled.set(schema, v);
    }
    return v;
  };

  /** Validate one answer of `method path` against the document (the path as the document names it). */
  expectDocumented = (method: string, path: string, reply: Reply, expectStatus?: number): void => {
    if (expectStatus !== undefined)
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(expectStatus);
    const op = (this.doc!.paths as Record<string, Record<string, any>>)[path]?.[
      method.toLowerCase()
    ];
    expect(op, `${method} ${path} is not in the document`).toBeDefined();
    const response = op.responses[String(reply.status)];
    expect(
      response,
      `${method} ${path} answered ${reply.status}, which the document does not list`,
    ).toBeDefined();
    const media = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const content = response.content?.[media];
    expect(
      content,
      `${method} ${path} ${reply.status} answered ${media}, not in the document`,
    ).toBeDefined();
    if (media === 'application/json') {
      const validate = this.validator(content.schema);
      const ok = validate(reply.body);
      expect(
        ok,
        `${method} ${path} ${reply.status}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(reply.body).slice(0, 400)}`,
      ).toBe(true);
    }
    this.covered.add(`${method} ${path}`);
  };

  /** Call and validate; `template` is the documented path when it differs from `path`. */
  hit = async (
    method: string,
    path: string,
    template: string,
    body?: unknown,
    status?: number,
    headers?: Record<string, string>,
  ): Promise<Reply> => {
    const reply = await call(this.base(), method, path, body, headers);
    this.expectDocumented(method, template, reply, status);
    return reply;
  };

  /** A request body the document describes, checked against its schema before it is sent. */
  documentedBody = <T>(name: string, body: T): T => {
    const schema = (this.doc!.components.requestBodies as Record<string, any>)[name].content[
      'application/json'
    ].schema;
    const validate = this.validator(schema);
    expect(validate(body), `${name} body: ${this.ajv.errorsText(validate.errors)}`).toBe(true);
    return body;
  };
}
