import { describe, expect, it } from 'vitest';
import { classifyPgError, connectionConfig } from './connection.ts';

const opts = { timeoutMs: 5000, maxConnections: 3, name: 'wh' };
const sqlError = (code: string) => Object.assign(new Error(`failed ${code}`), { code, severity: 'ERROR' });

describe('connectionConfig', () => {
  it('takes a URL', () => {
    expect(connectionConfig({ url: 'postgres://u:p@db:5432/x?sslmode=require' }, opts)).toMatchObject({
      connectionString: 'postgres://u:p@db:5432/x?sslmode=require',
      max: 3,
      statement_timeout: 5000,
      connectionTimeoutMillis: 5000,
      application_name: 'sluice:wh',
    });
  });

  it('takes separate keys, the database defaulting to the user', () => {
    expect(connectionConfig({ host: 'db', user: 'loader', password: 'pw' }, opts)).toMatchObject({ host: 'db', port: 5432, user: 'loader', password: 'pw', database: 'loader' });
    expect(connectionConfig({ host: 'db', username: 'l', port: '6432', dbname: 'w', sslmode: 'verify-full', ca: 'PEM' }, opts)).toMatchObject({
      port: 6432,
      user: 'l',
      database: 'w',
      ssl: { rejectUnauthorized: true, ca: 'PEM' },
    });
    expect(connectionConfig({ host: 'db', user: 'l', sslmode: 'require' }, opts).ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each([
    [{}, 'postgres credentials: the Secret has neither url nor host and user'],
    [{ host: 'db' }, 'postgres credentials: the Secret has neither url nor user'],
    [{ url: 'mysql://x' }, 'postgres credentials: url must start with postgres:// or postgresql://'],
    [{ host: 'db', user: 'u', port: 'x' }, 'postgres credentials: port "x" is not a TCP port'],
    [{ host: 'db', user: 'u', sslmode: 'prefer' }, 'postgres credentials: sslmode "prefer" is not one of disable, require, verify-full'],
  ])('refuses %j', (credentials, message) => {
    expect(() => connectionConfig(credentials, opts)).toThrow(message);
  });
});

describe('classifyPgError', () => {
  it.each([
    ['22021 invalid byte sequence', sqlError('22021'), { kind: 'payload', data: true, drift: false }],
    ['22P02 invalid text representation', sqlError('22P02'), { kind: 'payload', data: true }],
    ['22007 invalid datetime', sqlError('22007'), { kind: 'payload', data: true }],
    ['23502 not null violation', sqlError('23502'), { kind: 'payload', data: true }],
    ['54000 program limit', sqlError('54000'), { kind: 'payload', data: true }],
    ['40001 serialization failure', sqlError('40001'), { kind: 'retryable', data: false }],
    ['40P01 deadlock', sqlError('40P01'), { kind: 'retryable' }],
    ['57P01 admin shutdown', sqlError('57P01'), { kind: 'retryable' }],
    ['53300 too many connections', sqlError('53300'), { kind: 'retryable' }],
    ['08006 connection failure', sqlError('08006'), { kind: 'retryable' }],
    ['42703 undefined column', sqlError('42703'), { kind: 'retryable', drift: true }],
    ['42P01 undefined table', sqlError('42P01'), { kind: 'retryable', drift: true }],
    ['28P01 bad password', sqlError('28P01'), { kind: 'auth' }],
    ['42501 insufficient privilege', sqlError('42501'), { kind: 'auth' }],
    ['3D000 no such database', sqlError('3D000'), { kind: 'permanent' }],
    ['42601 syntax error', sqlError('42601'), { kind: 'permanent' }],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), { kind: 'retryable', code: 'ECONNREFUSED' }],
    ['EPIPE (not a SQLSTATE)', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), { kind: 'retryable', code: 'EPIPE' }],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), { kind: 'retryable', code: 'connection' }],
  ])('%s', (_, err, expected) => {
    expect(classifyPgError(err)).toMatchObject(expected);
  });
});
