import { StandardEditorsRegistryItem, standardEditorsRegistry } from '@grafana/data';

/**
 * Grafana fills the option-editor registry with its own editor components when the app starts;
 * the panel options builder only looks the editors up by id. Outside Grafana the registry is
 * empty, so this registers placeholders under the ids Grafana uses, which is all the builder needs.
 */
export function registerStandardEditorIds(): void {
  const ids = ['radio', 'boolean', 'text', 'number', 'select', 'multi-select', 'color', 'slider', 'unit', 'links'];
  standardEditorsRegistry.setInit(() =>
    ids.map(
      (id): StandardEditorsRegistryItem => ({
        id,
        name: id,
        editor: () => null,
      })
    )
  );
}
