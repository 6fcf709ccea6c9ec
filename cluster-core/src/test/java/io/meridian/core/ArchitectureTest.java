package io.meridian.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.RandomAccessFile;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * cluster-core is the deterministic domain: no Ratis, no gRPC, no network, no files, no clock, no
 * randomness, no node-local input, and nothing whose iteration order is unspecified.
 */
@AnalyzeClasses(packages = "io.meridian.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noRatisGrpcNetworkOrFiles = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.apache.ratis..", "io.grpc..", "io.netty..", "java.net..", "java.nio.file..",
                            "java.nio.channels..")
            .orShould().dependOnClassesThat().belongToAnyOf(
                    File.class, FileInputStream.class, FileOutputStream.class, FileReader.class, FileWriter.class,
                    RandomAccessFile.class)
            .because("cluster-core does no I/O but to streams it is handed");

    @ArchTest
    static final ArchRule noClock = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("java.time..")
            .orShould().callMethodWhere(callTo(System.class, "currentTimeMillis", "nanoTime"))
            .because("time comes from the leader-stamped entry, never from a clock");

    @ArchTest
    static final ArchRule noRandomness = noClasses()
            .should().dependOnClassesThat().belongToAnyOf(
                    Random.class, SecureRandom.class, ThreadLocalRandom.class, SplittableRandom.class, UUID.class)
            .orShould().dependOnClassesThat().resideInAnyPackage("java.util.random..")
            .orShould().callMethodWhere(callTo(Math.class, "random"))
            .because("ids and random choices are drawn before the log and written into the entry");

    @ArchTest
    static final ArchRule noNodeLocalInput = noClasses()
            .should().callMethodWhere(callTo(System.class, "getenv", "getProperty", "getProperties"))
            .orShould().dependOnClassesThat().belongToAnyOf(Thread.class)
            .because("apply reads nothing from the node it runs on");

    @ArchTest
    static final ArchRule noUnorderedCollections = noClasses()
            .should().dependOnClassesThat().belongToAnyOf(
                    HashMap.class, HashSet.class, IdentityHashMap.class, WeakHashMap.class, ConcurrentHashMap.class)
            .orShould().callMethodWhere(callTo(Map.class, "of", "ofEntries", "copyOf"))
            .orShould().callMethodWhere(callTo(Set.class, "of", "copyOf"))
            .orShould().callMethodWhere(callTo(Collectors.class, "toMap", "toSet", "groupingBy", "partitioningBy",
                    "toUnmodifiableMap", "toUnmodifiableSet"))
            .because("iteration order must never reach state, a snapshot or output");

    private static DescribedPredicate<JavaMethodCall> callTo(Class<?> owner, String... names) {
        List<String> methods = Arrays.asList(names);
        return DescribedPredicate.describe("a call to " + owner.getSimpleName() + "." + String.join("/", names),
                call -> call.getTargetOwner().isEquivalentTo(owner) && methods.contains(call.getName()));
    }
}
