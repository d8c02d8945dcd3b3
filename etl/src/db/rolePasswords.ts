import type { Config } from '../config/config';
import type { Queryable } from './db';
import { quoteLiteral } from './sqlTemplate';

const ROLE_ENV = {
  kpi_admin: 'KPI_ADMIN_PASSWORD',
  kpi_manager: 'KPI_MANAGER_PASSWORD',
  kpi_public: 'KPI_PUBLIC_PASSWORD',
} as const;

/**
 * Passwords never live in migrations: they come from the environment at start and are set here.
 * ALTER ROLE takes no bind parameters, hence the quoted literal; the statement is never logged.
 */
export async function applyRolePasswords(db: Queryable, config: Config): Promise<string[]> {
  const set: string[] = [];
  for (const [role, env] of Object.entries(ROLE_ENV)) {
    const password = config[env];
    if (!password) continue;
    const exists = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (exists.rows.length === 0) continue;
    await db.exec(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${quoteLiteral(password)}`);
    set.push(role);
  }
  return set;
}
