/**
 * @jest-environment node
 */
import path from 'path';
import { typecheck } from '../../shared-config/test-utils/typecheck';

// SWC strips types without checking them, so the strict compile is its own test.
it('type-checks under strict TypeScript', () => {
  const { status, output } = typecheck(path.join(__dirname, '..'));
  expect(output).toBe('');
  expect(status).toBe(0);
});
