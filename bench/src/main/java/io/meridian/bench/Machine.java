package io.meridian.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The machine a run measured: figures are ratios within one run, and say little without it.
 *
 * @param date when the run started, UTC
 * @param cores processors available to the JVM
 * @param memoryBytes physical memory
 * @param cpu the processor model, from /proc/cpuinfo where there is one
 * @param os operating system name, version and architecture
 * @param jvm runtime vendor, name and version
 */
record Machine(String date, int cores, long memoryBytes, String cpu, String os, String jvm) {

    static Machine current() {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                ? os.getTotalMemorySize() : -1;
        return new Machine(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + "Z",
                Runtime.getRuntime().availableProcessors(), memory, cpuModel(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version"));
    }

    private static String cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "unknown";
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("model name")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    String describe() {
        return String.format(Locale.ROOT, "%s, %d cores, %.1f GiB, %s, %s, %s", date, cores,
                memoryBytes / (double) (1L << 30), cpu, os, jvm);
    }

    Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("date", date);
        out.put("cores", cores);
        out.put("memory_bytes", memoryBytes);
        out.put("cpu", cpu);
        out.put("os", os);
        out.put("jvm", jvm);
        return out;
    }
}
