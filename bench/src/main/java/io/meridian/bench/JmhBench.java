package io.meridian.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs one JMH benchmark class, one parameter combination at a time (so that progress shows), and
 * turns its results into a table: one row per benchmark method (and per thread-group member) and
 * parameters, with the score, its error, the unit, and the score as a rate per second.
 */
final class JmhBench {

    private JmhBench() {
    }

    /**
     * @param combos the parameter combinations to run, each a map of JMH parameter names to values
     */
    static Report run(String name, String title, Class<?> benchmark, List<Map<String, String>> combos,
            Bench.Settings settings, PrintStream out) throws Exception {
        Report table = new Report(name, title, Report.col("benchmark", "BENCHMARK"), Report.col("params", "PARAMS"),
                Report.col("score", "SCORE"), Report.col("error", "ERROR"), Report.col("unit", "UNIT"),
                Report.col("per_second", "PER SECOND"), Report.col("iterations", "ITERATIONS"));
        table.setting("warmup_iterations", settings.jmhWarmups()).setting("iterations", settings.jmhIterations())
                .setting("iteration_s", settings.jmhSeconds());
        for (Map<String, String> combo : combos) {
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include("^" + Pattern.quote(benchmark.getName()) + "\\.")
                    .forks(1)
                    .warmupIterations(settings.jmhWarmups())
                    .warmupTime(TimeValue.seconds(settings.jmhSeconds()))
                    .measurementIterations(settings.jmhIterations())
                    .measurementTime(TimeValue.seconds(settings.jmhSeconds()))
                    .verbosity(VerboseMode.SILENT);
            combo.forEach((key, value) -> options.param(key, value));
            out.printf("%s: %s %s%n", name, benchmark.getSimpleName(), describe(combo));
            Collection<RunResult> results = new Runner(options.build()).run();
            for (RunResult result : results) {
                String method = result.getParams().getBenchmark();
                method = method.substring(method.lastIndexOf('.') + 1);
                Map<String, Result> secondary = result.getSecondaryResults();
                if (secondary.isEmpty()) {
                    add(table, method, combo, result.getPrimaryResult(), iterations(result, null), out);
                } else {
                    for (Map.Entry<String, Result> member : new TreeMap<>(secondary).entrySet()) {
                        add(table, method + "." + member.getKey(), combo, member.getValue(),
                                iterations(result, member.getKey()), out);
                    }
                }
            }
        }
        return table;
    }

    /** Each measured iteration's score, so that a wide error can be read: a slow first iteration, a GC. */
    private static String iterations(RunResult result, String member) {
        List<String> scores = new ArrayList<>();
        for (BenchmarkResult benchmark : result.getBenchmarkResults()) {
            for (IterationResult iteration : benchmark.getIterationResults()) {
                Result<?> score = member == null ? iteration.getPrimaryResult()
                        : iteration.getSecondaryResults().get(member);
                if (score != null) {
                    scores.add(Report.format(Report.round(score.getScore())));
                }
            }
        }
        return String.join(" ", scores);
    }

    private static void add(Report table, String method, Map<String, String> combo, Result<?> result,
            String iterations, PrintStream out) {
        double score = result.getScore();
        double perSecond = perSecond(score, result.getScoreUnit());
        table.row(method, describe(combo), Report.round(score), Report.round(result.getScoreError()),
                result.getScoreUnit(), Report.round(perSecond), iterations);
        out.printf("  %-22s %s %s%n", method, Report.format(Report.round(score)), result.getScoreUnit());
    }

    static String describe(Map<String, String> combo) {
        StringBuilder text = new StringBuilder();
        combo.forEach((key, value) -> text.append(text.length() == 0 ? "" : " ").append(key).append('=')
                .append(value));
        return text.toString();
    }

    /** A score as a rate: ops per second from a time per op, or the score itself when it is a rate. */
    static double perSecond(double score, String unit) {
        return switch (unit) {
            case "ns/op" -> 1e9 / score;
            case "us/op" -> 1e6 / score;
            case "ms/op" -> 1e3 / score;
            case "s/op" -> 1 / score;
            case "ops/s" -> score;
            case "ops/ms" -> score * 1e3;
            case "ops/us" -> score * 1e6;
            default -> Double.NaN;
        };
    }
}
