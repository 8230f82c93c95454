import { ActionIcon, Button, Group, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { containerNumberIssue, type ContainerInput, type GoodsLineInput } from '@rvi/contracts';
import { UnitPicker } from '../../../shared/ui/CodePickers.tsx';

/** Containers as typed in the form (seals as one comma-separated string). */
export interface ContainerDraft {
  number: string;
  sizeType: string;
  seals: string;
}
export interface GoodsLineDraft {
  hsCode: string;
  description: string;
  quantity: number | '';
  unit: string;
  netMassKg: number | '';
  value: number | '';
}
export const emptyContainer = (): ContainerDraft => ({ number: '', sizeType: '', seals: '' });
export const emptyLine = (): GoodsLineDraft => ({ hsCode: '', description: '', quantity: '', unit: 'PCE', netMassKg: '', value: '' });

export function containersOf(drafts: ContainerDraft[]): ContainerInput[] {
  return drafts.filter((c) => c.number.trim()).map((c) => ({
    number: c.number.trim().toUpperCase(),
    sizeType: c.sizeType.trim() ? c.sizeType.trim().toUpperCase() : null,
    seals: c.seals.split(/[,\s]+/).map((s) => s.trim().toUpperCase()).filter(Boolean),
  }));
}
export function linesOf(drafts: GoodsLineDraft[]): GoodsLineInput[] {
  return drafts.filter((g) => g.hsCode.trim() || g.description.trim()).map((g, i) => ({
    lineNo: i + 1, hsCode: g.hsCode.trim(), description: g.description.trim(), quantity: Number(g.quantity), unit: g.unit,
    netMassKg: g.netMassKg === '' ? null : Number(g.netMassKg), value: g.value === '' ? null : Number(g.value),
  }));
}
export const draftsOfContainers = (cs: ContainerInput[]): ContainerDraft[] => cs.map((c) => ({ number: c.number, sizeType: c.sizeType ?? '', seals: c.seals.join(', ') }));
export const draftsOfLines = (ls: GoodsLineInput[]): GoodsLineDraft[] => ls.map((g) => ({
  hsCode: g.hsCode, description: g.description, quantity: g.quantity, unit: g.unit, netMassKg: g.netMassKg ?? '', value: g.value ?? '',
}));

/**
 * Containers with their seals. The ISO 6346 check digit is checked as the number is typed: a wrong one is named with
 * the digit the standard gives (the server refuses it the same way).
 */
export function ContainersEditor({ value, onChange, errors }: { value: ContainerDraft[]; onChange(v: ContainerDraft[]): void; errors?: string }) {
  const { t } = useTranslation();
  const set = (i: number, patch: Partial<ContainerDraft>) => onChange(value.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  return (
    <Stack gap="xs" data-testid="containers-editor">
      {value.map((c, i) => {
        const n = c.number.trim().toUpperCase();
        const problem = n.length >= 11 ? containerNumberIssue(n) : null;
        return (
          <Group key={i} align="flex-start" gap="xs" wrap="wrap" data-testid="container-row">
            <TextInput
              label={t('fields.containerNumber')} placeholder="MSCU1234566" value={c.number} maxLength={11}
              onChange={(e) => set(i, { number: e.currentTarget.value.toUpperCase() })}
              error={problem ? t(`validation.codes.${problem.code}`, problem.params) : undefined}
              w={190} data-testid="container-number"
            />
            <TextInput label={t('fields.sizeType')} placeholder="22G1" value={c.sizeType} maxLength={4} onChange={(e) => set(i, { sizeType: e.currentTarget.value.toUpperCase() })} w={90} data-testid="container-size" />
            <TextInput label={t('fields.seals')} description={t('declarations.sealsHelp')} value={c.seals} onChange={(e) => set(i, { seals: e.currentTarget.value.toUpperCase() })} style={{ flex: 1, minWidth: 200 }} data-testid="container-seals" />
            <ActionIcon mt={26} variant="subtle" color="red" aria-label={t('declarations.removeContainer')} onClick={() => onChange(value.filter((_, j) => j !== i))}>×</ActionIcon>
          </Group>
        );
      })}
      {errors ? <Text size="xs" c="red">{errors}</Text> : null}
      <Group><Button size="xs" variant="light" onClick={() => onChange([...value, emptyContainer()])} data-testid="add-container">{t('declarations.addContainer')}</Button></Group>
    </Stack>
  );
}

/** Goods lines: HS code, description, quantity and unit (UN/ECE Rec. 20), net mass, value. */
export function GoodsLinesEditor({ value, onChange, errors }: { value: GoodsLineDraft[]; onChange(v: GoodsLineDraft[]): void; errors?: string }) {
  const { t } = useTranslation();
  const set = (i: number, patch: Partial<GoodsLineDraft>) => onChange(value.map((g, j) => (j === i ? { ...g, ...patch } : g)));
  const num = (v: string | number): number | '' => (v === '' ? '' : Number(v));
  return (
    <Stack gap="xs" data-testid="goods-lines-editor">
      {value.map((g, i) => (
        <Group key={i} align="flex-start" gap="xs" wrap="wrap" data-testid="goods-line-row">
          <TextInput label={t('fields.hsCode')} value={g.hsCode} maxLength={10} onChange={(e) => set(i, { hsCode: e.currentTarget.value.replace(/\D/g, '') })} w={120} data-testid="line-hs" />
          <TextInput label={t('fields.lineDescription')} value={g.description} onChange={(e) => set(i, { description: e.currentTarget.value })} style={{ flex: 1, minWidth: 180 }} data-testid="line-description" />
          <NumberInput label={t('fields.quantity')} value={g.quantity} min={0} onChange={(v) => set(i, { quantity: num(v) })} w={110} data-testid="line-quantity" />
          <UnitPicker label={t('fields.unit')} value={g.unit} onChange={(v) => set(i, { unit: v })} w={170} testId="line-unit" />
          <NumberInput label={t('fields.netMassKg')} value={g.netMassKg} min={0} onChange={(v) => set(i, { netMassKg: num(v) })} w={120} data-testid="line-mass" />
          <NumberInput label={t('fields.lineValue')} value={g.value} min={0} onChange={(v) => set(i, { value: num(v) })} w={120} data-testid="line-value" />
          <ActionIcon mt={26} variant="subtle" color="red" aria-label={t('declarations.removeLine')} onClick={() => onChange(value.filter((_, j) => j !== i))}>×</ActionIcon>
        </Group>
      ))}
      {errors ? <Text size="xs" c="red">{errors}</Text> : null}
      <Group><Button size="xs" variant="light" onClick={() => onChange([...value, emptyLine()])} data-testid="add-goods-line">{t('declarations.addLine')}</Button></Group>
    </Stack>
  );
}
