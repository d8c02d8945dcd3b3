/** Collects a day's rows per table, plus the customers they mention (emitted once each at the end). */
import type { Batch, Row, TableName } from '../../schema/tables';
import type { CustomerRef } from './customers';

export class RowSink {
  private readonly tables = new Map<TableName, Row[]>();
  readonly customers = new Map<string, CustomerRef>();

  push(table: TableName, row: Row): void {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = [];
      this.tables.set(table, rows);
    }
    rows.push(row);
  }

  customer(ref: CustomerRef): void {
    if (!this.customers.has(ref.id)) this.customers.set(ref.id, ref);
  }

  rows(table: TableName): Row[] {
    return this.tables.get(table) ?? [];
  }

  /** Tables in the given order, empty ones left out. */
  toBatch(order: readonly TableName[]): Batch {
    const batch: Batch = {};
    for (const t of order) {
      const rows = this.tables.get(t);
      if (rows && rows.length > 0) batch[t] = rows;
    }
    return batch;
  }
}
