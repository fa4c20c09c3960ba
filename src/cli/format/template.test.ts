import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../../internal/errors.js';
import { renderTemplate } from './template.js';

const IMAGE = {
  Id: 'sha256:5d59d30f19bb602783727906b0fca6934e80385d88675ced20df2ed124476ebd',
  RepoTags: ['peer-vis:latest', 'peer-vis:v3'],
  RepoDigests: [],
  Parent: '',
  Config: {
    Env: ['PATH=/bin', 'APP=1'],
    Cmd: ['/bin/sh', '-c', 'cat /etc/version'],
    Entrypoint: null,
    Labels: { 'org.example.version': '1.2', maintainer: 'ops <ops@example.com>' },
    Tty: false,
  },
  Size: 1982714,
  RootFS: { Type: 'layers', Layers: ['sha256:7603dc84775345655b454cc166d377f27b446b7507e93ef30d6ce672418d9b0a', 'sha256:f096d1d5e140630554330208dba043787d22d70ffd885df10658aee529e42c40'] },
};

function assertTemplateInvalid(template: string): void {
  assert.throws(() => renderTemplate(template, IMAGE), (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError for ${template}`);
    assert.equal(err.code, 'TEMPLATE_INVALID');
    assert.equal(err.kind, 'invalid_argument');
    return true;
  }, `expected ${template} to be refused`);
}

test('renderTemplate() prints a top-level field: {{.Id}}', () => {
  assert.equal(renderTemplate('{{.Id}}', IMAGE), IMAGE.Id);
  assert.equal(renderTemplate('{{ .Id }}', IMAGE), IMAGE.Id, 'spaces inside the braces');
});

test('renderTemplate() prints lists as Go does: {{.Config.Cmd}} -> [a b c]', () => {
  assert.equal(renderTemplate('{{.Config.Cmd}}', IMAGE), '[/bin/sh -c cat /etc/version]');
  assert.equal(renderTemplate('{{.RepoTags}}', IMAGE), '[peer-vis:latest peer-vis:v3]');
  assert.equal(renderTemplate('{{.RepoDigests}}', IMAGE), '[]');
});

test('renderTemplate() prints numbers, booleans and empty strings as Go does', () => {
  assert.equal(renderTemplate('{{.Size}}', IMAGE), '1982714');
  assert.equal(renderTemplate('{{.Config.Tty}}', IMAGE), 'false');
  assert.equal(renderTemplate('[{{.Parent}}]', IMAGE), '[]');
});

test('renderTemplate() prints maps with sorted keys as map[k:v]', () => {
  assert.equal(renderTemplate('{{.Config.Labels}}', IMAGE), 'map[maintainer:ops <ops@example.com> org.example.version:1.2]');
});

test('renderTemplate() prints <no value> for a missing map key reached as a field, as Go does', () => {
  assert.equal(renderTemplate('{{.Config.Labels.nope}}', IMAGE), '<no value>');
});

test('renderTemplate() prints JSON for {{json .Field}}, without HTML escaping', () => {
  assert.equal(renderTemplate('{{json .RootFS}}', IMAGE), JSON.stringify(IMAGE.RootFS));
  assert.equal(renderTemplate('{{json .RootFS.Layers}}', IMAGE), JSON.stringify(IMAGE.RootFS.Layers));
  assert.equal(renderTemplate('{{json .Config.Labels}}', IMAGE), '{"org.example.version":"1.2","maintainer":"ops <ops@example.com>"}');
  assert.equal(renderTemplate('{{json .Config.Entrypoint}}', IMAGE), 'null');
  assert.equal(renderTemplate('{{json .Missing}}', IMAGE), 'null');
  assert.equal(renderTemplate('{{json .Size}}', IMAGE), '1982714');
  assert.equal(renderTemplate('{{json .}}', { a: [1, 'x'] }), '{"a":[1,"x"]}');
});

test('renderTemplate() looks up map keys with {{index .Map "key"}}', () => {
  assert.equal(renderTemplate('{{index .Config.Labels "org.example.version"}}', IMAGE), '1.2');
  assert.equal(renderTemplate('{{index .Config.Labels "maintainer"}}', IMAGE), 'ops <ops@example.com>');
  assert.equal(renderTemplate('{{index .RootFS "Type"}}', IMAGE), 'layers');
});

test('renderTemplate() gives "" for {{index}} of a missing key or a null map, as Docker does for Labels', () => {
  assert.equal(renderTemplate('[{{index .Config.Labels "missing"}}]', IMAGE), '[]');
  assert.equal(renderTemplate('[{{index .Config.Entrypoint "k"}}]', IMAGE), '[]');
});

test('renderTemplate() keeps the text around actions', () => {
  assert.equal(
    renderTemplate('id={{.Id}} size={{.Size}} layers={{json .RootFS.Layers}}\n', IMAGE),
    `id=${IMAGE.Id} size=1982714 layers=${JSON.stringify(IMAGE.RootFS.Layers)}\n`,
  );
  assert.equal(renderTemplate('no actions', IMAGE), 'no actions');
});

test('renderTemplate() refuses actions it does not support with TEMPLATE_INVALID', () => {
  for (const template of [
    '{{range .RepoTags}}{{.}}{{end}}',
    '{{if .Config.Tty}}yes{{end}}',
    '{{.Id | printf "%s"}}',
    '{{printf "%s" .Id}}',
    '{{index .Config.Labels unquoted}}',
    '{{len .RepoTags}}',
    '{{}}',
    '{{json}}',
    '{{.Config.}}',
    '{{Id}}',
  ]) {
    assertTemplateInvalid(template);
  }
});
