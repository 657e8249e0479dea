/**
 * Request bodies captured from real kubectl 1.32 (a loopback HTTP server that
 * recorded what `kubectl --server http://127.0.0.1:PORT <command>` POSTed), decoded
 * and compared with what kubectl prints for the same command with
 * `--dry-run=client -o json` — the JSON the same typed object marshals to. The
 * only difference is `metadata.creationTimestamp: null`, which the decoder leaves
 * out (Kubernetes reads both the same).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EdgewiseError } from '../../src/api/errors.js';
import { decodeKubernetesProtobuf } from '../../src/api/protobuf/index.js';

interface Fixture {
  /** The kubectl command that sent the body. */
  readonly command: string;
  /** The request body, base64. */
  readonly body: string;
  /** What `<command> --dry-run=client -o json` printed, creationTimestamp: null removed. */
  readonly json: Record<string, unknown>;
}

const FIXTURES: readonly Fixture[] = [
  {
    // blob.bin holds the bytes 00 ff 80 'edge' 0a: not UTF-8, so kubectl puts it in binaryData.
    command:
      'kubectl create configmap edge-config --from-literal=site=store-42 --from-literal=empty= --from-file=blob=blob.bin',
    body: 'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEkwKGwoLZWRnZS1jb25maWcSABoAIgAqADIAOABCABIJCgVlbXB0eRIAEhAKBHNpdGUSCHN0b3JlLTQyGhAKBGJsb2ISCAD/gGVkZ2UKGgAiAA==',
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'edge-config' },
      data: { empty: '', site: 'store-42' },
      binaryData: { blob: 'AP+AZWRnZQo=' },
    },
  },
  {
    command:
      "kubectl create secret generic edge-creds --from-literal=user=admin --from-literal='password=p@ss w0rd!' --type=Opaque",
    body: 'azhzAAoMCgJ2MRIGU2VjcmV0EksKGgoKZWRnZS1jcmVkcxIAGgAiACoAMgA4AEIAEhYKCHBhc3N3b3JkEgpwQHNzIHcwcmQhEg0KBHVzZXISBWFkbWluGgZPcGFxdWUaACIA',
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'edge-creds' },
      data: { password: 'cEBzcyB3MHJkIQ==', user: 'YWRtaW4=' },
      type: 'Opaque',
    },
  },
  {
    command: 'kubectl create namespace clinic-7',
    body: 'azhzAAoPCgJ2MRIJTmFtZXNwYWNlEiAKGAoIY2xpbmljLTcSABoAIgAqADIAOABCABIAGgIKABoAIgA=',
    json: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'clinic-7' }, spec: {}, status: {} },
  },
  {
    command: 'kubectl create deployment web --image=nginx:1.27 --port=8080 --replicas=3 -n clinic-7',
    body: 'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsYBCicKA3dlYhIAGghjbGluaWMtNyIAKgAyADgAQgBaCgoDYXBwEgN3ZWISjAEIAxIMCgoKA2FwcBIDd2ViGnIKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISUhI0CgVuZ2lueBIKbmdpbng6MS4yNyoAMgsKABAAGJA/IgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', namespace: 'clinic-7', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    command: 'kubectl create deployment sleeper --image=busybox:1.36 -- sleep 3600',
    body: 'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EtIBCicKB3NsZWVwZXISABoAIgAqADIAOABCAFoOCgNhcHASB3NsZWVwZXISmAEIARIQCg4KA2FwcBIHc2xlZXBlchp6CiAKABIAGgAiACoAMgA4AEIAWg4KA2FwcBIHc2xlZXBlchJWEjgKB2J1c3lib3gSDGJ1c3lib3g6MS4zNhoFc2xlZXAaBDM2MDAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'sleeper', labels: { app: 'sleeper' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'sleeper' } },
        template: {
          metadata: { labels: { app: 'sleeper' } },
          spec: {
            containers: [
              { name: 'busybox', image: 'busybox:1.36', command: ['sleep', '3600'], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    // replicas is a pointer in Go: an explicit 0 is on the wire and must survive.
    command: 'kubectl create deployment pair --image=nginx --image=busybox --replicas=0',
    body: 'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EtkBCiEKBHBhaXISABoAIgAqADIAOABCAFoLCgNhcHASBHBhaXISpQEIABINCgsKA2FwcBIEcGFpchqJAQodCgASABoAIgAqADIAOABCAFoLCgNhcHASBHBhaXISaBIiCgVuZ2lueBIFbmdpbngqAEIAagByAIABAIgBAJABAKIBABImCgdidXN5Ym94EgdidXN5Ym94KgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'pair', labels: { app: 'pair' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'pair' } },
        template: {
          metadata: { labels: { app: 'pair' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx', resources: {} },
              { name: 'busybox', image: 'busybox', resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
];

describe('protobuf bodies from kubectl', () => {
  for (const fixture of FIXTURES) {
    it(`decodes: ${fixture.command}`, () => {
      const decoded = decodeKubernetesProtobuf(Buffer.from(fixture.body, 'base64'));
      assert.deepStrictEqual(decoded, fixture.json);
      // Same key order as Go's JSON, so stored objects read like kubectl's.
      assert.equal(JSON.stringify(decoded), JSON.stringify(fixture.json));
    });
  }

  it('keeps Secret data as bytes: base64 of exactly what the user typed', () => {
    const secret = decodeKubernetesProtobuf(Buffer.from(FIXTURES[1]?.body ?? '', 'base64')) as {
      data: Record<string, string>;
    };
    assert.equal(Buffer.from(secret.data.password ?? '', 'base64').toString('utf8'), 'p@ss w0rd!');
  });

  // Kinds without a field table: kubectl's own bodies, so the message is what a user sees.
  const UNSUPPORTED = [
    {
      command: 'kubectl create serviceaccount sa',
      kind: 'ServiceAccount (v1)',
      body: 'azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFAoSCgJzYRIAGgAiACoAMgA4AEIAGgAiAA==',
    },
    {
      command: 'kubectl create job j --image=busybox',
      kind: 'Job (batch/v1)',
      body: 'azhzAAoPCghiYXRjaC92MRIDSm9iEngKEQoBahIAGgAiACoAMgA4AEIAElkyVwoQCgASABoAIgAqADIAOABCABJDEiAKAWoSB2J1c3lib3gqAEIAagByAIABAIgBAJABAKIBABoFTmV2ZXIyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBABoIIAAoADAAOgAaACIA',
    },
  ];
  for (const { command, kind, body } of UNSUPPORTED) {
    it(`answers 415 naming the kind and a way out: ${command}`, () => {
      assert.throws(
        () => decodeKubernetesProtobuf(Buffer.from(body, 'base64')),
        (err: unknown) => {
          assert.ok(EdgewiseError.isCode(err, 'EW_UNSUPPORTED_MEDIA_TYPE'));
          assert.equal(err.status, 415);
          assert.ok(
            err.message.startsWith(`${kind} cannot be decoded from application/vnd.kubernetes.protobuf`),
          );
          assert.match(err.message, /kubectl apply -f <file>/);
          assert.match(err.message, /--dry-run=client -o yaml \| kubectl apply -f -/);
          return true;
        },
      );
    });
  }
});
