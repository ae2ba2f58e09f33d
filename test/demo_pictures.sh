#!/usr/bin/env bash
# The demo's pictures, drawn by gnuplot from the demo's database (the PG*
# environment test/demo.sh's throwaway cluster sets, after test/demo.sql):
#
#   bash test/demo_pictures.sh DIR
#
# First it replays a day on the demo exchange: 24 hourly moves of BTC and
# ETH (a crash in the morning, a partial recovery), each one transaction of
# index and mark prices that the triggers revalue, each followed by
# pm.sample_risk().  Then it writes, into DIR:
#
#   unimmr_now.png          how many accounts at each uniMMR, now
#   status_day.png          accounts by status over the replayed day
#                           (pm.status_series)
#   stress_heatmap.png      accounts by status under each BTC scenario and
#                           the market-wide ones (pm.stress_result)
#   liquidation_ladder.png  how many accounts liquidate at each BTC price
#                           (pm.liquidation_ladder over the whole book)
#
# and the data beside each (.dat), and prints the files' names.
set -euo pipefail
dir=${1:?usage: demo_pictures.sh DIR}
mkdir -p "$dir"
q() { psql -X -q -A -t -F ' ' -v ON_ERROR_STOP=1 -c "$1"; }

# 1. the replayed day: BTC's path as a fraction of its price at hour 0; ETH
#    moves 1.2 times as far
path="1.00 1.00 1.01 1.00 0.99 0.98 0.95 0.91 0.87 0.86 0.88 0.90 0.91 0.92 0.93 0.95 0.96 0.95 0.94 0.95 0.96 0.96 0.95 0.95 0.96"
q "DROP TABLE IF EXISTS demo_base, demo_ladder" >/dev/null
q "CREATE TABLE demo_base AS
     SELECT 'a' AS kind, asset AS key, index_price AS price FROM pm.asset WHERE asset IN ('BTC', 'ETH')
     UNION ALL
     SELECT 's', symbol, mark_price FROM pm.symbol WHERE base_asset IN ('BTC', 'ETH')" >/dev/null
q "SELECT pm.sample_risk()" >/dev/null
hour=0
for f in $path; do
  [ "$hour" -gt 0 ] && q "BEGIN;
    UPDATE pm.asset a SET index_price = round(b.price * (1 + ($f - 1) * CASE a.asset WHEN 'ETH' THEN 1.2 ELSE 1 END), scale(b.price))
      FROM demo_base b WHERE b.kind = 'a' AND b.key = a.asset;
    UPDATE pm.symbol s SET mark_price = round(b.price * (1 + ($f - 1) * CASE s.base_asset WHEN 'ETH' THEN 1.2 ELSE 1 END), scale(b.price))
      FROM demo_base b WHERE b.kind = 's' AND b.key = s.symbol;
    COMMIT;
    SELECT pm.sample_risk();" >/dev/null
  hour=$((hour + 1))
done

statuses="NORMAL MARGIN_CALL REDUCE_ONLY ACTIVE_LIQUIDATION FORCE_LIQUIDATION"
cols=""
for s in $statuses; do
  cols="$cols, coalesce(sum(accounts) FILTER (WHERE status = '$s'), 0)"
done
q "SELECT row_number() OVER (ORDER BY sampled_at) - 1 $cols
     FROM pm.status_series GROUP BY sampled_at ORDER BY sampled_at" >"$dir/status_day.dat"
# BTC's price at each sample, for the second axis
q "SELECT row_number() OVER (ORDER BY s.sampled_at) - 1, a.index_price
     FROM (SELECT DISTINCT sampled_at FROM pm.risk_sample) s,
          LATERAL pm.asset_at(s.sampled_at) a WHERE a.asset = 'BTC' ORDER BY s.sampled_at" >"$dir/btc_day.dat"

# 2. uniMMR now, in bins even on a log scale
q "SELECT round(exp((b - 1) * ln(1000.0) / 60), 4), round(exp(b * ln(1000.0) / 60), 4), n
     FROM (SELECT width_bucket(ln(uni_mmr), 0, ln(1000.0), 60) AS b, count(*) AS n
             FROM pm.account_state WHERE uni_mmr >= 1 AND uni_mmr < 1000 GROUP BY 1) h
    ORDER BY 1" >"$dir/unimmr_now.dat"
below_one=$(q "SELECT count(*) FROM pm.account_state WHERE uni_mmr < 1")
above=$(q "SELECT count(*) FROM pm.account_state WHERE uni_mmr >= 1000")
no_margin=$(q "SELECT count(*) FROM pm.account_state WHERE uni_mmr IS NULL")

# 3. stress: accounts by status under each scenario
scen="'BTC -50%', 'BTC -30%', 'BTC -20%', 'BTC -10%', 'BTC -5%', 'BTC +5%', 'BTC +10%', 'BTC +20%', 'BTC +30%', 'BTC +50%', 'crypto -30%', 'USDT de-peg -10%'"
{
  echo "scenario $statuses"
  q "SELECT replace(r.scenario, ' ', '_') $cols
       FROM (SELECT scenario, account_status AS status, count(*) AS accounts
               FROM pm.stress_result WHERE scenario IN ($scen) GROUP BY 1, 2) r
      GROUP BY r.scenario
      ORDER BY array_position(ARRAY[$scen], r.scenario) DESC"
} >"$dir/stress_heatmap.dat"

# 4. the liquidation ladder of the whole book for BTC (pm.liquidation_ladder):
#    how many accounts enter liquidation at each BTC price, in steps of 1% of
#    today's price
btc=$(q "SELECT index_price FROM pm.asset WHERE asset = 'BTC'")
q "CREATE TABLE demo_ladder AS SELECT * FROM pm.liquidation_ladder('BTC', $btc / 100)" >/dev/null
q "SELECT round(100 * price_from / $btc) AS pct, sum(accounts), side FROM demo_ladder GROUP BY 1, 3
   ORDER BY 1" >"$dir/liquidation_ladder.dat"
beyond=$(q "SELECT coalesce(sum(accounts), 0) FROM demo_ladder WHERE side = 'above' AND price_from >= 2 * $btc")

gnuplot <<GP
set terminal pngcairo size 1000,560 font "DejaVu Sans,11" noenhanced
set grid ytics lc rgb "#dddddd"

set output "$dir/unimmr_now.png"
set title "uniMMR now (pm.account_state); not shown: $below_one below 1, $above at 1000 or more, $no_margin without margin"
set logscale x
set xrange [1:1000]
set yrange [0:*]
set xlabel "uniMMR (log scale)"
set ylabel "accounts"
set style fill solid 0.85 border -1
set arrow 1 from 1.05, graph 0 to 1.05, graph 1 nohead lc rgb "#c00000" dt 2
set arrow 2 from 1.2, graph 0 to 1.2, graph 1 nohead lc rgb "#e08000" dt 2
set arrow 3 from 1.5, graph 0 to 1.5, graph 1 nohead lc rgb "#808000" dt 2
set label 1 "1.05 reduce only" at 1.05, graph 0.95 offset 0.5,0 tc rgb "#c00000"
set label 2 "1.2 PM normal" at 1.2, graph 0.88 offset 0.5,0 tc rgb "#e08000"
set label 3 "1.5 PM Pro normal" at 1.5, graph 0.81 offset 0.5,0 tc rgb "#808000"
plot "$dir/unimmr_now.dat" using (sqrt(\$1*\$2)):3:(\$2-\$1) with boxes lc rgb "#3060a0" notitle
unset arrow; unset label; unset logscale x; set autoscale x

set output "$dir/status_day.png"
set title "Accounts not NORMAL over the replayed day (pm.status_series), BTC on the right axis"
set xlabel "hour of the replayed day"
set ylabel "accounts"
set y2label "BTC index price (USD)"
set y2tics
set ytics nomirror
set xrange [-0.5:24.5]
set style histogram rowstacked
set style data histograms
set boxwidth 0.8
set key outside right top
plot "$dir/status_day.dat" using 3 title "MARGIN_CALL" lc rgb "#f0c000", \
     "" using 4 title "REDUCE_ONLY" lc rgb "#f08000", \
     "" using 5 title "ACTIVE_LIQUIDATION" lc rgb "#e03000", \
     "" using 6 title "FORCE_LIQUIDATION" lc rgb "#800000", \
     "$dir/btc_day.dat" using 1:2 axes x1y2 with linespoints lw 2 lc rgb "#202020" title "BTC"
unset y2label; unset y2tics; set ytics mirror; set autoscale x; set style data points

set output "$dir/stress_heatmap.png"
set title "Accounts by status under each scenario (pm.stress_result)"
unset xlabel; unset ylabel; unset grid
set key off
set logscale cb
set cblabel "accounts (log scale)"
set palette defined (0 "#ffffff", 1 "#fde0c0", 2 "#f08040", 3 "#a00000")
set xrange [-0.5:4.5]
set yrange [-0.5:11.5]
set xtics font ",9"
plot "$dir/stress_heatmap.dat" matrix rowheaders columnheaders using 1:2:(\$3 > 0 ? \$3 : 1/0) with image, \
     "" matrix rowheaders columnheaders using 1:2:(sprintf("%d", \$3)) with labels font ",9"
unset logscale cb; set grid ytics lc rgb "#dddddd"; set xtics font ",11"; set autoscale y

set output "$dir/liquidation_ladder.png"
set title sprintf("Liquidation ladder: the BTC price at which each account of the book enters liquidation (%d beyond 200%% not shown)", $beyond)
set xlabel "BTC price, % of today's ($btc USD)"
set ylabel "accounts that liquidate at that price"
set key inside top right
set xrange [0:200]
set yrange [0:*]
set boxwidth 0.9
set style fill solid 0.85 border -1
set arrow 1 from 100, graph 0 to 100, graph 1 nohead lc rgb "#202020" dt 2
plot "$dir/liquidation_ladder.dat" using 1:(strcol(3) eq "below" ? \$2 : 1/0) with boxes lc rgb "#c03030" title "on a fall", \
     "" using 1:(strcol(3) eq "above" ? \$2 : 1/0) with boxes lc rgb "#3060c0" title "on a rise"
GP
for f in unimmr_now status_day stress_heatmap liquidation_ladder; do
  echo "$dir/$f.png"
done
