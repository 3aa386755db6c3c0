import { describe, expect, it } from 'vitest';
import { classifyCommandError, ConnectionDownError, failureMessage, isWrongTypeReply, NotReadyInTimeError } from '../../../lib/replica/failures';

describe('Module: failures', () => {
  describe('Function: classifyCommandError', () => {
    it("classifies ioredis's command timeout as a timeout, with the short message traces show", () => {
      // Act & Assess
      expect(classifyCommandError(new Error('Command timed out'))).toEqual({ kind: 'timeout', message: 'timed out' });
    });

    it('classifies a command refused on a connection known to be down as never sent', () => {
      // Act & Assess
      expect(classifyCommandError(new ConnectionDownError())).toEqual({ kind: 'connection-down', message: 'connection down' });
    });

    it('classifies a command that waited for a connection not ready in time as never sent, saying it timed out', () => {
      // Act & Assess
      expect(classifyCommandError(new NotReadyInTimeError())).toEqual({ kind: 'connection-down', message: 'timed out connecting' });
    });

    it('classifies anything else as a command error that keeps its message', () => {
      // Act & Assess
      expect(classifyCommandError(new Error('Connection is closed.'))).toEqual({ kind: 'command-error', message: 'Connection is closed.' });
      expect(classifyCommandError('NOSCRIPT')).toEqual({ kind: 'command-error', message: 'NOSCRIPT' });
    });
  });

  it('gives the skipped kind the message traces have always shown', () => {
    // Act & Assess
    expect(failureMessage('breaker-open')).toBe('circuit open: replica skipped');
  });

  it("recognises Redis's WRONGTYPE reply (a plain string left by the seed)", () => {
    // Act & Assess
    expect(isWrongTypeReply(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(true);
    expect(isWrongTypeReply(new Error('ERR unknown command'))).toBe(false);
  });
});
