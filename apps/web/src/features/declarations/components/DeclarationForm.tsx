import { useState, type FormEvent } from 'react';
import { Button, Fieldset, Group, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DeclarationInput, declarationCodeProblems } from '@rvi/contracts';
import { CountryPicker, CurrencyPicker, PackageKindPicker } from '../../../shared/ui/CodePickers.tsx';
import { ContainersEditor, GoodsLinesEditor, containersOf, linesOf, type ContainerDraft, type GoodsLineDraft } from './GoodsEditors.tsx';
import { ApiError } from '../../../shared/api/client.ts';
import { ErrorAlert } from '../../../shared/ui/ErrorAlert.tsx';
import { checkObject, type Problems } from '../../../shared/validation/schema-check.ts';
import { problemTexts } from '../../../shared/validation/problem-text.ts';
import { useSubmitDeclaration } from '../api.ts';

type Field = keyof DeclarationInput;
const NUMERIC: Field[] = ['taxRate', 'netMassKg', 'itemPrice', 'grossMassKg', 'packageCount', 'customsValue'];
const NULLABLE: Field[] = ['sellerCode', 'courierCode'];
/** Optional fields left empty are not sent. */
const OPTIONAL: Field[] = [...NULLABLE, 'goodsDescription', 'grossMassKg', 'packageCount', 'packageKind', 'packageMarks', 'currency', 'customsValue'];
const UPPERCASE: Field[] = ['countryOfDeparture', 'countryOfOrigin'];
/** Fields picked from a code list rather than typed. */
const PICKERS: Partial<Record<Field, typeof CountryPicker>> = {
  countryOfDeparture: CountryPicker, countryOfOrigin: CountryPicker, currency: CurrencyPicker, packageKind: PackageKindPicker,
};

const SECTIONS: { title: string; fields: Field[] }[] = [
  { title: 'form.sectionDeclaration', fields: ['declarationNo', 'date', 'officeCode', 'processType', 'importType', 'importUse', 'paymentType', 'transportMode'] },
  { title: 'form.sectionParties', fields: ['declarantCode', 'importerCode', 'sellerCode', 'courierCode'] },
  { title: 'form.sectionGoods', fields: ['hs6', 'countryOfDeparture', 'countryOfOrigin', 'originIndicator', 'netMassKg', 'itemPrice', 'taxRate', 'taxType'] },
  { title: 'form.sectionPackages', fields: ['grossMassKg', 'packageCount', 'packageKind', 'packageMarks', 'currency', 'customsValue'] },
];

type Values = Record<string, string>;
const EMPTY = Object.fromEntries(
  [...SECTIONS.flatMap((s) => s.fields), 'goodsDescription'].map((f) => [f, '']),
) as Values;

/** Form strings → the API's input; numbers that do not parse are reported rather than sent. */
export function toDeclarationInput(v: Values): { input: Record<string, unknown>; problems: Problems } {
  const input: Record<string, unknown> = {};
  const problems: Problems = {};
  for (const [k, raw] of Object.entries(v) as [Field, string][]) {
    const s = raw.trim();
    if (NUMERIC.includes(k)) {
      if (s === '') continue; // the schema reports it as required
      const n = Number(s.replace(/,/g, ''));
      if (Number.isNaN(n)) problems[k] = { code: 'notANumber' };
      else input[k] = n;
    } else if (s === '') {
      if (NULLABLE.includes(k)) input[k] = null;
      else if (OPTIONAL.includes(k)) continue;
      // other empty fields stay absent: required ones are reported by the schema, goodsDescription is optional
    } else {
      input[k] = s;
    }
  }
  return { input, problems };
}

export function DeclarationForm({ onCreated }: { onCreated(id: string): void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Values>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [containers, setContainers] = useState<ContainerDraft[]>([]);
  const [lines, setLines] = useState<GoodsLineDraft[]>([]);
  const mutation = useSubmitDeclaration();

  const set = (f: Field, s: string) => {
    setValues((v) => ({ ...v, [f]: UPPERCASE.includes(f) ? s.toUpperCase() : s }));
    if (errors[f]) setErrors(({ [f]: _drop, ...rest }) => rest);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    mutation.reset();
    const { input, problems } = toDeclarationInput(values);
    input.containers = containersOf(containers);
    input.goodsLines = linesOf(lines);
    const all = { ...checkObject(DeclarationInput, input), ...problems };
    const texts = problemTexts(t, all);
    // Code lists and ISO 6346 (the server checks the same): shown under the field they concern.
    for (const p of declarationCodeProblems(input as DeclarationInput)) {
      const field = p.field.split(/[.[]/)[0];
      texts[field] ??= t(`validation.codes.${p.code}`, p.params);
    }
    setErrors(texts);
    if (Object.keys(texts).length) {
      document.querySelector<HTMLInputElement>(`[name="${Object.keys(texts)[0]}"]`)?.focus();
      return;
    }
    try {
      const d = await mutation.mutateAsync(input as DeclarationInput);
      onCreated(d.id);
    } catch (err) {
      if (!(err instanceof ApiError)) return;
      if (err.code === 'duplicate_declaration') setErrors({ declarationNo: err.message });
      else setErrors(err.fieldErrors());
    }
  };

  const input = (f: Field) => {
    const Picker = PICKERS[f];
    if (Picker) {
      return (
        <Picker key={f} name={f} label={t(`fields.${f}`)} required={!OPTIONAL.includes(f)} value={values[f]} onChange={(v) => set(f, v)} error={errors[f]} testId={`input-${f}`} />
      );
    }
    return (
    <TextInput
      key={f}
      name={f}
      label={t(`fields.${f}`)}
      placeholder={t(`hints.${f}`, { defaultValue: '' }) || undefined}
      required={!OPTIONAL.includes(f)}
      type={f === 'date' ? 'date' : 'text'}
      inputMode={NUMERIC.includes(f) ? 'decimal' : f === 'hs6' ? 'numeric' : undefined}
      value={values[f]}
      onChange={(e) => set(f, e.currentTarget.value)}
      error={errors[f]}
      data-testid={`input-${f}`}
    />
    );
  };

  return (
    <form onSubmit={submit} noValidate data-testid="declaration-form">
      <Stack gap="md">
        {SECTIONS.map((s) => (
          <Fieldset key={s.title} legend={t(s.title)}>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
              {s.fields.map(input)}
            </SimpleGrid>
          </Fieldset>
        ))}
        <Fieldset legend={t('form.sectionContainers')}>
          <ContainersEditor value={containers} onChange={setContainers} errors={errors.containers} />
        </Fieldset>
        <Fieldset legend={t('form.sectionLines')}>
          <GoodsLinesEditor value={lines} onChange={setLines} errors={errors.goodsLines} />
        </Fieldset>
        <Textarea
          name="goodsDescription"
          label={t('fields.goodsDescription')}
          autosize
          minRows={2}
          maxLength={500}
          value={values.goodsDescription}
          onChange={(e) => set('goodsDescription', e.currentTarget.value)}
          error={errors.goodsDescription}
          data-testid="input-goodsDescription"
        />
        {/* server errors that no field shows (e.g. forbidden) appear here */}
        {Object.keys(errors).some((k) => k in EMPTY) ? null : <ErrorAlert error={mutation.error} />}
        <Group justify="flex-end">
          <Button type="submit" loading={mutation.isPending} data-testid="submit-declaration">{t('form.submit')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
