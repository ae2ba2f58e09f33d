-- Every object of the extension, one line each: what it is, then its whole
-- definition as the catalogs hold it.  test/upgrade_check.sh runs this on a
-- fresh install and on the oldest version updated through every upgrade
-- script; any difference between the two is a line of the diff.
--
-- Covered: member objects (pg_depend 'e') with their owner and privileges
-- (ACL items sorted: their order depends on the order of GRANTs, which
-- carries no meaning) and the privileges an install gives (pg_init_privs);
-- functions and aggregates in full; tables and views: columns, defaults,
-- options, row-level security, constraints, indexes, triggers (with their
-- enabled state), policies, column comments; types (composite attributes
-- too), operators, operator classes and families with their members,
-- sequences, event triggers; comments; which tables pg_dump carries
-- (extconfig/extcondition); and objects that depend on a member in the
-- extension's schema without being members (nothing should).

\pset footer off
\pset tuples_only on
\pset format unaligned

WITH ext AS (
  SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'portfolio_margin'
), acl_sorted(obj, acl) AS (
  SELECT m.objid, (SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text)
                     FROM pg_catalog.unnest(m.acl) x)
    FROM (SELECT p.oid AS objid, p.proacl AS acl FROM pg_catalog.pg_proc p
          UNION ALL SELECT c.oid, c.relacl FROM pg_catalog.pg_class c
          UNION ALL SELECT t.oid, t.typacl FROM pg_catalog.pg_type t
          UNION ALL SELECT n.oid, n.nspacl FROM pg_catalog.pg_namespace n) m
), members AS (
  SELECT d.classid, d.objid
    FROM pg_catalog.pg_depend d, ext
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.refobjid = ext.oid AND d.deptype = 'e'
)
-- a definition over several lines (a function's) names its object on each
SELECT d.name || ' | ' || pg_catalog.replace(d.def, E'\n', E'\n' || d.name || ' | ')
  FROM (
SELECT pg_catalog.pg_describe_object(m.classid, m.objid, 0) AS name, coalesce(
  CASE m.classid
    WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN (
      SELECT CASE WHEN p.prokind = 'a' THEN
               (SELECT 'aggregate ' || pg_catalog.pg_get_function_arguments(p.oid)
                       || ' returns ' || pg_catalog.format_type(p.prorettype, NULL)
                       || ' sfunc ' || a.aggtransfn || ' stype ' || pg_catalog.format_type(a.aggtranstype, NULL)
                       || ' sspace ' || a.aggtransspace || ' final ' || a.aggfinalfn
                       || ' extra ' || a.aggfinalextra || ' modify ' || a.aggfinalmodify::text::text
                       || ' combine ' || a.aggcombinefn || ' serial ' || a.aggserialfn
                       || ' deserial ' || a.aggdeserialfn || ' init ' || coalesce(a.agginitval, '-')
                       || ' moving ' || a.aggmtransfn || '/' || a.aggminvtransfn || '/' || a.aggmfinalfn
                       || ' sortop ' || a.aggsortop || ' kind ' || a.aggkind::text
                       || ' parallel ' || p.proparallel::text
                  FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
             ELSE pg_catalog.pg_get_functiondef(p.oid) END
             || ' volatile ' || p.provolatile::text || ' parallel ' || p.proparallel::text
             || ' strict ' || p.proisstrict || ' secdef ' || p.prosecdef || ' leakproof ' || p.proleakproof
             || ' cost ' || p.procost || ' rows ' || p.prorows || ' support ' || p.prosupport
             || ' config ' || coalesce(pg_catalog.array_to_string(p.proconfig, ','), '')
             || ' owner ' || p.proowner::pg_catalog.regrole
        FROM pg_catalog.pg_proc p WHERE p.oid = m.objid)
    WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN (
      SELECT 'kind ' || c.relkind::text || ' owner ' || c.relowner::pg_catalog.regrole
             || ' persistence ' || c.relpersistence::text
             || ' rls ' || c.relrowsecurity || ' forced ' || c.relforcerowsecurity
             || ' options ' || coalesce(c.reloptions::text, '')
             || ' replident ' || c.relreplident::text
             || ' columns ' || coalesce((
                  SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                           || coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
                           || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
                           || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
                           || CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::pg_catalog.regcollation::text ELSE '' END
                           || ' storage ' || a.attstorage::text
                           || coalesce(' comment ' || pg_catalog.col_description(c.oid, a.attnum), ''),
                           ', ' ORDER BY a.attnum)
                    FROM pg_catalog.pg_attribute a
                    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
             || coalesce(' view ' || pg_catalog.pg_get_viewdef(c.oid), '')
             || coalesce(' sequence ' || (SELECT s.seqtypid::pg_catalog.regtype || ' ' || s.seqstart || ' '
                                                 || s.seqincrement || ' ' || s.seqmax || ' ' || s.seqmin || ' '
                                                 || s.seqcache || ' ' || s.seqcycle
                                            FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid), '')
             || coalesce(' owned by ' || (SELECT pg_catalog.string_agg(d.refobjid::pg_catalog.regclass || '.' || a.attname || ' ' || d.deptype::text, ',')
                                            FROM pg_catalog.pg_depend d
                                            JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                           WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                                             AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.relkind = 'S'), '')
             || coalesce(' constraints ' || (SELECT pg_catalog.string_agg(co.conname || ' ' || pg_catalog.pg_get_constraintdef(co.oid)
                                                                          || ' deferrable ' || co.condeferrable || ' deferred ' || co.condeferred
                                                                          || coalesce(' comment ' || pg_catalog.obj_description(co.oid, 'pg_constraint'), ''),
                                                                          '; ' ORDER BY co.conname)
                                               FROM pg_catalog.pg_constraint co WHERE co.conrelid = c.oid), '')
             || coalesce(' indexes ' || (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid)
                                                                      || coalesce(' options ' || ic.reloptions::text, '')
                                                                      || coalesce(' comment ' || pg_catalog.obj_description(i.indexrelid, 'pg_class'), ''),
                                                                      '; ' ORDER BY 1)
                                           FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                                          WHERE i.indrelid = c.oid), '')
             || coalesce(' triggers ' || (SELECT pg_catalog.string_agg(pg_catalog.pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
                                                                       || coalesce(' comment ' || pg_catalog.obj_description(t.oid, 'pg_trigger'), ''),
                                                                       '; ' ORDER BY t.tgname)
                                            FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), '')
             || coalesce(' policies ' || (SELECT pg_catalog.string_agg(po.polname || ' ' || po.polcmd::text || ' permissive ' || po.polpermissive
                                                                       || ' roles ' || (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::pg_catalog.regrole::text END, ',' ORDER BY 1)
                                                                                          FROM pg_catalog.unnest(po.polroles) r)
                                                                       || ' using ' || coalesce(pg_catalog.pg_get_expr(po.polqual, po.polrelid), '')
                                                                       || ' check ' || coalesce(pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid), '')
                                                                       || coalesce(' comment ' || pg_catalog.obj_description(po.oid, 'pg_policy'), ''),
                                                                       '; ' ORDER BY po.polname)
                                            FROM pg_catalog.pg_policy po WHERE po.polrelid = c.oid), '')
             || coalesce(' rules ' || (SELECT pg_catalog.string_agg(r.rulename, ',') FROM pg_catalog.pg_rewrite r
                                        WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), '')
        FROM pg_catalog.pg_class c WHERE c.oid = m.objid)
    WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN (
      SELECT 'type ' || t.typtype::text || ' owner ' || t.typowner::pg_catalog.regrole
             || ' ' || t.typinput || ' ' || t.typoutput || ' ' || t.typreceive || ' ' || t.typsend
             || ' ' || t.typmodin || ' ' || t.typmodout || ' ' || t.typanalyze
             || ' len ' || t.typlen || ' byval ' || t.typbyval || ' align ' || t.typalign::text || ' storage ' || t.typstorage::text
             || ' category ' || t.typcategory::text || ' preferred ' || t.typispreferred
             || ' delimiter ' || t.typdelim::text || ' element ' || t.typelem::pg_catalog.regtype::text
             || ' array ' || coalesce(t.typarray::pg_catalog.regtype::text, '-')
             || coalesce(' attributes ' || (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                              FROM pg_catalog.pg_attribute a
                                             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')
        FROM pg_catalog.pg_type t WHERE t.oid = m.objid)
    WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass THEN (
      SELECT 'operator owner ' || o.oprowner::pg_catalog.regrole || ' kind ' || o.oprkind::text
             || ' left ' || o.oprleft::pg_catalog.regtype || ' right ' || o.oprright::pg_catalog.regtype
             || ' result ' || o.oprresult::pg_catalog.regtype || ' proc ' || o.oprcode
             || ' commutator ' || o.oprcom::pg_catalog.regoperator::text || ' negator ' || o.oprnegate::pg_catalog.regoperator::text
             || ' restrict ' || o.oprrest || ' join ' || o.oprjoin
             || ' merges ' || o.oprcanmerge || ' hashes ' || o.oprcanhash
        FROM pg_catalog.pg_operator o WHERE o.oid = m.objid)
    WHEN 'pg_catalog.pg_opclass'::pg_catalog.regclass THEN (
      SELECT 'opclass owner ' || oc.opcowner::pg_catalog.regrole || ' type ' || oc.opcintype::pg_catalog.regtype
             || ' default ' || oc.opcdefault || ' family '
             || pg_catalog.pg_describe_object('pg_catalog.pg_opfamily'::pg_catalog.regclass, oc.opcfamily, 0)
             || ' storage ' || oc.opckeytype
        FROM pg_catalog.pg_opclass oc WHERE oc.oid = m.objid)
    WHEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass THEN (
      SELECT 'opfamily owner ' || f.opfowner::pg_catalog.regrole
             || ' operators ' || coalesce((SELECT pg_catalog.string_agg(ao.amopstrategy || ':' || ao.amopopr::pg_catalog.regoperator::text
                                                                        || ':' || ao.amoppurpose::text, ',' ORDER BY ao.amopstrategy, ao.amopopr::text)
                                             FROM pg_catalog.pg_amop ao WHERE ao.amopfamily = f.oid), '')
             || ' procedures ' || coalesce((SELECT pg_catalog.string_agg(ap.amprocnum || ':' || ap.amproc::pg_catalog.regprocedure::text,
                                                                         ',' ORDER BY ap.amprocnum, ap.amproc::text)
                                              FROM pg_catalog.pg_amproc ap WHERE ap.amprocfamily = f.oid), '')
        FROM pg_catalog.pg_opfamily f WHERE f.oid = m.objid)
    WHEN 'pg_catalog.pg_event_trigger'::pg_catalog.regclass THEN (
      SELECT 'event trigger ' || e.evtevent || ' owner ' || e.evtowner::pg_catalog.regrole
             || ' function ' || e.evtfoid::pg_catalog.regprocedure || ' enabled ' || e.evtenabled::text
             || ' tags ' || coalesce(e.evttags::text, '')
        FROM pg_catalog.pg_event_trigger e WHERE e.oid = m.objid)
    WHEN 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN (
      SELECT 'schema owner ' || n.nspowner::pg_catalog.regrole FROM pg_catalog.pg_namespace n WHERE n.oid = m.objid)
  END, '(not described)')
  || ' acl ' || coalesce((SELECT a.acl FROM acl_sorted a WHERE a.obj = m.objid), '')
  || ' initprivs ' || coalesce((SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text)
                                  FROM pg_catalog.pg_init_privs ip, pg_catalog.unnest(ip.initprivs) x
                                 WHERE ip.objoid = m.objid AND ip.classoid = m.classid AND ip.objsubid = 0), '')
  || ' comment ' || coalesce(pg_catalog.obj_description(m.objid, m.classid::pg_catalog.regclass::pg_catalog.name), '') AS def
  FROM members m) d
UNION ALL
-- what pg_dump carries of the extension's tables
SELECT 'config ' || c::pg_catalog.regclass || ' | ' || coalesce(w, '')
  FROM pg_catalog.pg_extension e, ext,
       ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS u(c, w)
 WHERE e.oid = ext.oid
UNION ALL
-- the extension itself
SELECT 'extension | schema ' || e.extnamespace::pg_catalog.regnamespace || ' relocatable ' || e.extrelocatable
       || ' owner ' || e.extowner::pg_catalog.regrole
  FROM pg_catalog.pg_extension e, ext WHERE e.oid = ext.oid
UNION ALL
-- anything in the schema that is not a member (a leftover of an update)
SELECT 'not a member: ' || pg_catalog.pg_describe_object(o.classid, o.objid, 0)
  FROM (SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass AS classid, p.oid AS objid FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'pm'::pg_catalog.regnamespace
        UNION ALL
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'pm'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
        UNION ALL
        SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t
         WHERE t.typnamespace = 'pm'::pg_catalog.regnamespace AND t.typtype <> 'c' AND t.typcategory <> 'A'
        UNION ALL
        SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_operator o
         WHERE o.oprnamespace = 'pm'::pg_catalog.regnamespace) o
 WHERE NOT EXISTS (SELECT FROM members m WHERE m.classid = o.classid AND m.objid = o.objid)
UNION ALL
-- the roles the extension makes, and their membership
SELECT 'role ' || r.rolname || ' | login ' || r.rolcanlogin || ' member of '
       || coalesce((SELECT pg_catalog.string_agg(g.roleid::pg_catalog.regrole::text, ',' ORDER BY 1)
                      FROM pg_catalog.pg_auth_members g WHERE g.member = r.oid), '')
       || ' comment ' || coalesce(pg_catalog.shobj_description(r.oid, 'pg_authid'), '')
  FROM pg_catalog.pg_roles r WHERE r.rolname IN ('pm_reader', 'pm_writer')
ORDER BY 1;
