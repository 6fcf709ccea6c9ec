package io.meridian.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Where logs go. A node logs to {@code <data-dir>/logs/meridian.log} (rolled at 50 MiB, five kept)
 * and nothing to the console; a client command logs nothing unless --verbose.
 */
final class Logging {

    private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n";

    /**
     * Set to "external" when something else owns logging, as the tests that run commands inside
     * their own JVM do: the commands then leave the logging configuration alone.
     */
    static final String EXTERNAL_PROPERTY = "meridian.logging";

    private Logging() {
    }

    private static boolean external() {
        return "external".equals(System.getProperty(EXTERNAL_PROPERTY));
    }

    /** A node's logs: to its file, with Ratis, gRPC and Netty only from WARN. */
    static Path forNode(Path dataDir) {
        Path file = dataDir.resolve("logs").resolve("meridian.log");
        if (external()) {
            return file;
        }
        LoggerContext context = reset();
        RollingFileAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("file");
        appender.setFile(file.toString());
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(dataDir.resolve("logs").resolve("meridian.%i.log").toString());
        rolling.setMinIndex(1);
        rolling.setMaxIndex(5);
        rolling.start();
        SizeBasedTriggeringPolicy<ch.qos.logback.classic.spi.ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(FileSize.valueOf("50MB"));
        trigger.start();
        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        appender.setEncoder(encoder(context));
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(appender);
        context.getLogger("org.apache.ratis").setLevel(Level.WARN);
        context.getLogger("io.grpc").setLevel(Level.WARN);
        context.getLogger("io.netty").setLevel(Level.WARN);
        // Ratis' client logs every attempt that reached a non-leader as an ERROR, and then retries
        // at the leader it was pointed to: routine during elections, alarming in a log.
        context.getLogger("org.apache.ratis.client.impl.OrderedAsync").setLevel(Level.OFF);
        return file;
    }

    /** A client command: silent, or warnings to stderr with --verbose. */
    static void forClient(boolean verbose) {
        if (external()) {
            return;
        }
        LoggerContext context = reset();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (!verbose) {
            root.setLevel(Level.OFF);
            return;
        }
        ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setTarget("System.err");
        console.setEncoder(encoder(context));
        console.start();
        root.setLevel(Level.WARN);
        root.addAppender(console);
    }

    private static LoggerContext reset() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        return context;
    }

    private static PatternLayoutEncoder encoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }
}
