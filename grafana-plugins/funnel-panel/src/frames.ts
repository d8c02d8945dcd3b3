import { DataFrame, Field, FieldType, getFieldDisplayName } from '@grafana/data';
import { toCount } from './funnel';
import { StepInput, StepLink, StepSource } from './types';

/**
 * Reads funnel steps from one data frame. Two shapes are accepted:
 *  - rows: a string field holds the step names and a number field the counts (one row a step);
 *  - fields: every number field is a step named by its display name, valued at the last row
 *    (a time series of cumulative counts, or a single-row SQL result).
 * "auto" picks rows when the frame has a string field with at least one value.
 */
export function stepsFromFrame(frame: DataFrame | undefined, source: StepSource = 'auto'): StepInput[] {
  if (!frame || frame.length === 0) {
    return [];
  }
  const stringField = frame.fields.find((f) => f.type === FieldType.string);
  const numberFields = frame.fields.filter((f) => f.type === FieldType.number);
  const useRows = source === 'rows' || (source === 'auto' && stringField !== undefined);
  if (useRows) {
    const countField = numberFields[0];
    if (!stringField || !countField) {
      return [];
    }
    const steps: StepInput[] = [];
    for (let row = 0; row < frame.length; row++) {
      const name = stringField.values[row];
      steps.push({
        name: name === null || name === undefined ? `Step ${row + 1}` : String(name),
        count: toCount(countField.values[row]),
        links: linksOf(countField, row),
      });
    }
    return steps;
  }
  const lastRow = frame.length - 1;
  return numberFields.map((field) => ({
    name: getFieldDisplayName(field, frame),
    count: toCount(field.values[lastRow]),
    links: linksOf(field, lastRow),
  }));
}

function linksOf(field: Field, row: number): StepLink[] {
  // getLinks is attached by Grafana when it applies field config (data links) to the frame.
  if (!field.getLinks) {
    return [];
  }
  return field.getLinks({ valueRowIndex: row }).map((link) => ({
    title: link.title,
    href: link.href,
    target: link.target,
  }));
}

/**
 * Expands the link template option for one step. ${__step} and ${__count} are ours; everything
 * else (dashboard variables, ${__from} ...) is left for Grafana's replaceVariables.
 */
export function stepLinkFromTemplate(
  template: string,
  step: { name: string; count: number | null },
  replaceVariables: (value: string) => string
): StepLink | null {
  if (!template.trim()) {
    return null;
  }
  const own = template
    .replace(/\$\{__step\}/g, encodeURIComponent(step.name))
    .replace(/\$\{__count\}/g, step.count === null ? '' : String(step.count));
  return { title: step.name, href: replaceVariables(own) };
}
