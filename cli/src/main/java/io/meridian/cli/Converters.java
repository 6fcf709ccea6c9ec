package io.meridian.cli;

import io.meridian.proto.AccessRole;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers of the value forms the CLI takes: durations, sizes, key=value lists, access roles. */
final class Converters {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})(B|KiB|MiB|GiB)?");

    private Converters() {
    }

    /** 500ms, 30s, 10m, 1h, 2d. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration such as 500ms, 30s, 10m or 1h");
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
    }

    /** 65536, 64KiB, 8MiB, 1GiB. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a size such as 65536, 64KiB or 8MiB");
            }
            long amount = Long.parseLong(m.group(1));
            int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                case "KiB" -> 10;
                case "MiB" -> 20;
                case "GiB" -> 30;
                default -> 0;
            };
            return amount << shift;
        }
    }

    /** A shard, group or migration id, or a positive count: a whole number from 1. */
    static final class IdConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long id = Long.parseLong(value.trim());
                if (id >= 1) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a whole number from 1");
        }
    }

    /** A count: a whole number from 0 that fits in 32 bits. */
    static final class CountConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int count = Integer.parseInt(value.trim());
                if (count >= 0) {
                    return count;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a whole number from 0");
        }
    }

    /** A 64-bit quantity: a whole number from 0. */
    static final class NaturalConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long number = Long.parseLong(value.trim());
                if (number >= 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a whole number from 0");
        }
    }

    /** on or off (also true/false, yes/no). */
    static final class OnOffConverter implements ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "on", "true", "yes" -> true;
                case "off", "false", "no" -> false;
                default -> throw new TypeConversionException("'" + value + "' is not on or off");
            };
        }
    }

    /** An access role: admin, operator, node or reader, in any case. */
    static final class AccessRoleConverter implements ITypeConverter<AccessRole> {
        @Override
        public AccessRole convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "admin" -> AccessRole.ACCESS_ROLE_ADMIN;
                case "operator" -> AccessRole.ACCESS_ROLE_OPERATOR;
                case "node" -> AccessRole.ACCESS_ROLE_NODE;
                case "reader" -> AccessRole.ACCESS_ROLE_READER;
                default -> throw new TypeConversionException("'" + value + "' is not a role: admin, operator, node "
                        + "or reader");
            };
        }
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
